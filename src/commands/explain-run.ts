import type { Command } from 'commander';
import type { Arch, ArchResult, SimResult, Site } from '../types.js';
import { DEFAULT_MAX_INPUT_BYTES, loadInput, withDecodedMail } from '../input.js';
import { review, type ReviewInput } from '../pipeline/index.js';
import { EXIT, UsageError, type CliIo } from './context.js';
import { errorLine } from './options.js';
import { openTree } from './review-run.js';
import { runOptionsFrom, treeWarningLines } from './run.js';
import { formatSim } from './simulate-run.js';
import type { SimFormat } from './sim-formats.js';
import { jsonText, mdCode, mdCodeBlock, terminalText } from '../report/escape.js';

export interface ExplainCliOptions {
  format: SimFormat;
  tree?: string;
  arch: string;
  config?: string;
  configFile?: string;
}

/** `FILE:LINE` → its parts; the file may be a suffix of the site's path. */
export function parseLocation(value: string): { file: string; line: number } {
  const m = /^(.+):(\d+)$/.exec(value);
  if (!m || Number(m[2]) <= 0) throw new UsageError(`expected FILE:LINE, got "${value}"`);
  return { file: m[1]!, line: Number(m[2]) };
}

const matches = (site: Site, file: string, line: number): boolean => site.line === line && (site.file === file || site.file.endsWith(`/${file}`));

export async function runExplain(location: string, patchArgs: string[], opts: ExplainCliOptions, io: CliIo, command?: Command): Promise<number> {
  const { file, line } = parseLocation(location);
  const options = runOptionsFrom(opts, io, command);
  const tree = openTree(opts.tree);
  const names = patchArgs.length === 0 ? ['-'] : patchArgs;
  const inputs: ReviewInput[] = [];
  for (const name of names) inputs.push({ name, source: await withDecodedMail(loadInput(name, DEFAULT_MAX_INPUT_BYTES, io.readStdin)) });
  const run = review(inputs, { ...options, ...(tree ? { tree, treeLabel: opts.tree } : {}) });
  for (const error of run.errors) io.stderr(`${errorLine(error)}\n`);
  if (run.errors.length) return EXIT.error;
  for (const warning of treeWarningLines(run)) io.stderr(warning);
  // The new side first: that is the code the patch proposes.
  const sites = run.sites.filter((s) => s.kind === 'call' && matches(s, file, line)).sort((a, b) => (a.side === b.side ? 0 : a.side === 'new' ? -1 : 1));
  if (sites.length === 0) throw new UsageError(`${location}: no flush call at that line in the input`);
  const replays = sites.map((site) => ({ site, arches: Object.entries(site.arch ?? {}).filter(([, r]) => r?.sim) as [Arch, ArchResult][] }));
  const unsafe = replays.some((r) => r.arches.some(([, result]) => !result.sim!.safe));
  io.stdout(opts.format === 'json' ? explainJson(location, replays) : opts.format === 'mermaid' ? explainMermaid(replays) : explainText(replays));
  return unsafe ? EXIT.findings : EXIT.ok;
}

interface Replay {
  site: Site;
  arches: [Arch, ArchResult][];
}

const NOT_SIMULATED = 'not simulated (no flush model or classification for this site)';

function explainText(replays: readonly Replay[]): string {
  const parts: string[] = [];
  for (const { site, arches } of replays) {
    if (arches.length === 0) parts.push(`${terminalText(site.file)}:${site.line} (${site.side}) ${terminalText(site.text)}: ${NOT_SIMULATED}\n`);
    for (const [arch, result] of arches)
      parts.push(
        `${terminalText(site.file)}:${site.line} (${site.side}) ${terminalText(site.function ?? '(file scope)')}: ${terminalText(site.text)}\narch ${arch}: ${result.mechanism} → ${result.verdict ?? 'no verdict'}\n${inputLines(result.sim!)}`,
        formatSim(result.sim!, 'text'),
      );
  }
  return parts.join('\n');
}

/** One JSON document: each call at the location (new side first) with its replays keyed by architecture. */
function explainJson(location: string, replays: readonly Replay[]): string {
  const doc = {
    location,
    sites: replays.map(({ site, arches }) => ({
      patch: site.patch,
      file: site.file,
      line: site.line,
      column: site.column,
      side: site.side,
      function: site.function,
      api: site.api,
      text: site.text,
      simulated: arches.length > 0,
      arch: Object.fromEntries(arches.map(([arch, result]) => [arch, { mechanism: result.mechanism, verdict: result.verdict ?? null, sim: result.sim }])),
    })),
  };
  return `${jsonText(JSON.stringify(doc, null, 2))}\n`;
}

/**
 * Several diagrams cannot share one Mermaid document, so this is Markdown:
 * a heading per site and architecture over a `mermaid` block that parses on
 * its own (GitHub and GitLab render it; mmdc takes Markdown too).
 */
function explainMermaid(replays: readonly Replay[]): string {
  const parts: string[] = [];
  for (const { site, arches } of replays) {
    const where = `${mdCode(`${site.file}:${site.line}`)} (${site.side} side) in ${site.function ? mdCode(site.function) : 'file scope'}`;
    if (arches.length === 0) parts.push(`### ${where}\n\n${mdCode(site.text)}: ${NOT_SIMULATED}\n`);
    for (const [arch, result] of arches) parts.push(`### ${where}, ${arch}: ${result.mechanism} → ${result.verdict ?? 'no verdict'}\n\n${mdCodeBlock(formatSim(result.sim!, 'mermaid'), 'mermaid')}\n`);
  }
  return parts.join('\n');
}

const short = (names: readonly string[]): string => names.map((n) => n.replace(/^PGT_/, '')).join(', ');

/** The scenario's inputs as the code decided them, before the trace (issue 13). */
function inputLines(sim: SimResult): string {
  const inputs = sim.inputs;
  const lines: string[] = [];
  if (inputs) {
    lines.push('scenario inputs (from the code):');
    if (inputs.oldTypes) lines.push(`  old types reaching the flush: ${short(inputs.oldTypes)}`);
    if (inputs.unforcedOldTypes?.length) lines.push(`  page-table types taking the unforced flush: ${short(inputs.unforcedOldTypes)}`);
    if (inputs.flagsAfterLocal) lines.push(`  flags after the local flush: ${inputs.flagsAfterLocal}`);
    lines.push(`  scope: ${inputs.scope ?? 'as the mechanism flushes (no flags in play)'}`);
    lines.push(`  timestamp filter: ${inputs.filtered ? 'yes' : 'no'}`);
    for (const source of inputs.sources) lines.push(`  from: ${source}`);
  }
  if (sim.undecided) lines.push(`undecided: ${sim.undecided}`);
  return lines.length ? `${lines.map(terminalText).join('\n')}\n` : '';
}
