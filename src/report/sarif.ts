import type { Arch, Finding, RunResult, Severity, ToolError } from '../types.js';
import { RULES } from '../rules/index.js';
import { ARCH_NAME, siteOf, uniqueFingerprints } from './common.js';
import { jsonText, mdCodeBlock, oneLine, plain } from './escape.js';
import type { Reporter } from './reporter.js';

/*
 * SARIF 2.1.0 (OASIS), as code scanning reads it: one run per architecture,
 * told apart by `automationDetails.id`, plus one for findings that concern no
 * architecture (suppression comments), so the categories stay the same from
 * one upload to the next.
 */

const SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';
const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };
const FINGERPRINT_KEY = 'flushcheck/v1';
const COMMON = 'common';

/**
 * Message text: SARIF reads `[text](target)` as an embedded link, so literal
 * brackets (and backslashes) from a patch are escaped; control characters go.
 */
export const sarifText = (text: string): string => plain(text).replace(/[\\[\]]/g, '\\$&');

/** A path from a patch as a relative URI reference: every segment percent-encoded. */
export const pathUri = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

const artifact = (file: string): { uri: string; uriBaseId: string } => ({ uri: pathUri(file), uriBaseId: '%SRCROOT%' });

function ruleDescriptor(rule: (typeof RULES)[number]): object {
  const { meta } = rule;
  const help = [meta.docs.summary, '', `x86: ${meta.docs.x86}`, '', `Arm and other ports: ${meta.docs.arm}`].join('\n');
  const markdown = [
    meta.docs.summary,
    '',
    `**x86:** ${meta.docs.x86}`,
    '',
    `**Arm and other ports:** ${meta.docs.arm}`,
    '',
    'Reported:',
    '',
    mdCodeBlock(meta.docs.bad, 'c'),
    '',
    'Fixed:',
    '',
    mdCodeBlock(meta.docs.good, 'c'),
  ].join('\n');
  return {
    id: meta.id,
    name: meta.name,
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.docs.summary },
    help: { text: help, markdown },
    messageStrings: Object.fromEntries(Object.entries(meta.messages).map(([id, text]) => [id, { text: String(text) }])),
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: { tags: ['tlb', 'concurrency'] },
  };
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

function result(run: RunResult, f: Finding, fingerprint: string, ruleIndex: number | undefined): object {
  const site = siteOf(run, f);
  const region = { startLine: f.line, ...(site && site.line === f.line && site.side === f.side ? { startColumn: site.column } : {}) };
  const location = {
    physicalLocation: { artifactLocation: artifact(f.file), region },
    ...(f.function ? { logicalLocations: [{ name: oneLine(f.function), kind: 'function' }] } : {}),
  };
  const evidence = f.related.length ? ` Evidence: ${f.related.map((_, i) => `[step ${i + 1}](${i + 1})`).join(', ')}.` : '';
  const removed = f.side === 'old' ? ' (on a line the patch removes; old file line)' : '';
  const fix = f.fix ? ` Fix: ${sarifText(f.fix)}` : '';
  const out: Record<string, unknown> = {
    ruleId: f.ruleId,
    ...(ruleIndex !== undefined ? { ruleIndex } : {}),
    level: LEVEL[f.severity],
    message: { text: `${sentence(`${sarifText(f.message)}${removed}`)}${evidence}${fix}` },
    locations: [location],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint },
  };
  if (f.related.length) {
    out.relatedLocations = f.related.map((step, i) => ({
      id: i + 1,
      physicalLocation: { artifactLocation: artifact(step.file), region: { startLine: step.line } },
      message: { text: sarifText(step.message) },
    }));
  }
  if (f.trace?.length) {
    // Each simulated CPU is a thread; every step happens around the flush, so it points there.
    const cpus = [...new Set(f.trace.map((s) => s.cpu))].sort((a, b) => a - b);
    out.codeFlows = [
      {
        message: { text: `Counterexample${f.arch ? ` on ${ARCH_NAME[f.arch]}` : ''}` },
        threadFlows: cpus.map((cpu) => ({
          id: `cpu${cpu}`,
          message: { text: `CPU ${cpu}` },
          locations: f
            .trace!.filter((s) => s.cpu === cpu)
            .map((s) => ({
              executionOrder: s.step,
              kinds: [s.actor],
              location: { physicalLocation: { artifactLocation: artifact(f.file), region: { startLine: f.line } }, message: { text: sarifText(`${s.action}: ${s.effect}`) } },
            })),
        })),
      },
    ];
  }
  if (f.suppressed) {
    out.suppressions = [
      {
        kind: 'inSource',
        status: 'accepted',
        justification: plain(f.suppressed.reason),
        location: { physicalLocation: { artifactLocation: artifact(f.file), region: { startLine: f.suppressed.line } } },
      },
    ];
  }
  out.properties = { side: f.side, ...(f.arch ? { arch: f.arch } : {}), ...(f.siteId ? { siteId: f.siteId } : {}), ruleName: f.ruleName };
  return out;
}

const notification = (e: ToolError): object => ({
  level: 'error',
  message: { text: sarifText(e.message) },
  descriptor: { id: e.code },
  locations: [{ physicalLocation: { artifactLocation: { uri: pathUri(e.file) }, ...(e.line ? { region: { startLine: e.line, ...(e.column ? { startColumn: e.column } : {}) } } : {}) } }],
});

export function sarifLog(run: RunResult): object {
  const fingerprints = uniqueFingerprints(run.findings);
  const rules = RULES.map(ruleDescriptor);
  const ruleIndex = new Map(RULES.map((r, i) => [r.meta.id, i]));
  const categories: (Arch | typeof COMMON)[] = [...run.settings.arches, COMMON];
  return {
    $schema: SCHEMA_URI,
    version: '2.1.0',
    runs: categories.map((category) => ({
      tool: { driver: { name: 'flushcheck', version: run.tool.version, semanticVersion: run.tool.version, rules } },
      automationDetails: {
        id: `flushcheck/${category}/`,
        description: { text: category === COMMON ? 'Findings that concern no architecture' : `Findings for ${ARCH_NAME[category]}` },
      },
      originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The root of the source tree the patches apply to' } } },
      columnKind: 'unicodeCodePoints',
      invocations: [{ executionSuccessful: run.errors.length === 0, toolExecutionNotifications: run.errors.map(notification) }],
      ...(run.settings.model ? { properties: { model: run.settings.model.summary } } : {}),
      results: run.findings.flatMap((f, i) => ((f.arch ?? COMMON) === category ? [result(run, f, fingerprints[i]!, ruleIndex.get(f.ruleId))] : [])),
    })),
  };
}

export const sarif: Reporter = (run) => `${jsonText(JSON.stringify(sarifLog(run), null, 2))}\n`;
