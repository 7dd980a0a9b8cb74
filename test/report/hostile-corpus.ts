import { expect } from 'vitest';
import type { RunResult } from '../../src/types.js';
import { hostile } from './hostile.js';

/**
 * Our own hostile corpus: every payload class a patch author could put in any
 * string the patch controls. A run is taken from the real pipeline (the
 * hostile fixture, with findings, evidence and counterexamples) and every
 * string of it that comes from the patch gets the payload before and after it.
 */

/** Each class carries CANARY so a test can see the payload reached the output at all. */
export const PAYLOADS: Record<string, string> = {
  'C0 controls, ESC, BEL, OSC-8': 'CANARY\u0000\u0007\u001b[2J\u001b[31mred\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007\u0008\u007f',
  'lone CR': 'CANARY\rReviewed-by: Mallory <m@evil.example>',
  'C1 controls': 'CANARY\u0080\u0085\u008d\u0090\u009b31m\u009c\u009f',
  'bidi overrides and isolates': 'CANARY\u202a\u202b\u202c\u202d\u202eevil\u2066\u2067\u2068\u2069',
  'LRM RLM ALM': 'CANARY\u200e\u200f\u061c',
  'zero-width': 'CANARY\u200b\u200c\u200d\u2060\ufeff',
  'line and paragraph separators': 'CANARY\u2028::error::ls\u2029::warning::ps',
  'every line break': 'CANARY\r\nAcked-by: A <a@evil.example>\nReviewed-by: B <b@evil.example>\u000bTested-by: C\u000cSigned-off-by: D\u0085Acked-by: E\u2028Reviewed-by: F\u2029Acked-by: G',
  'Mermaid directive and comment': 'CANARY %%{init: {"theme":"dark","securityLevel":"loose"}}%% %% comment\n%%{init: {"theme":"forest"}}%%\n;Note over CPU0: injected; participant EVIL',
  'workflow commands': 'CANARY\n::error file=a.c::pwned\n::add-mask::secret\n  ::stop-commands::token\n##[error]legacy\n::set-output name=x::y',
  'GitLab section markers': 'CANARY\u001b[0Ksection_start:1700000000:evil\r\u001b[0Kheader\nsection_end:1700000000:evil',
  mentions: 'CANARY @everyone @octo-org/team @here',
  'issue references': 'CANARY #123 GH-1 octo/repo#1 !12 &3 ~bug %v1 $7 deadbeef1234567',
  autolinks: 'CANARY www.evil.example _www.evil.example (www.evil.example) http://evil.example https://evil.example/x mailto:a@evil.example user@evil.example javascript:alert(1) xmpp:a@evil.example',
  'HTML tags and entities':
    'CANARY <img src=x onerror=alert(1)> <b>bold</b> <a href="https://evil.example">a</a> &amp; &#64;everyone <!-- hidden --> </details> <details open> <script>alert(1)</script>',
  'Markdown links and images': 'CANARY [x](https://evil.example) ![i](https://evil.example/i.png) [r]: https://evil.example <https://evil.example> [ref][r]',
  'backticks closing code spans': 'CANARY ` `` ``` ```` ``````` `@everyone` ```\n```mermaid\n%%{init: {}}%%\n```',
  'Markdown blocks and tables': 'CANARY\n# heading\n> quote\n- item\n1. item\n| a | b |\n|---|---|\n***\n_em_ *em* ~~del~~ \\',
};

/**
 * Keys whose strings are flushcheck's own vocabulary (enums, ids, names of
 * rules), not text from the patch: they keep their values so the reporters
 * see a well-formed run. Every other string is patch-controlled here.
 */
const OURS = new Set([
  'schemaVersion',
  'tool',
  'settings',
  'form',
  'status',
  'change',
  'side',
  'kind',
  'family',
  'classes',
  'class',
  'arch',
  'verdict',
  'mechanism',
  'severity',
  'ruleId',
  'ruleName',
  'messageId',
  'actor',
  'property',
  'fingerprint',
  'siteId',
  'id',
  'code',
  'direction',
  'scenario',
]);

function poison<T>(value: T, payload: string, key = ''): T {
  if (typeof value === 'string') return (OURS.has(key) ? value : `${payload} ${value} ${payload}`) as T;
  if (Array.isArray(value)) return value.map((v) => poison(v, payload, key)) as T;
  if (value !== null && typeof value === 'object') {
    if (OURS.has(key) && key !== 'arch') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v, payload, k)])) as T;
  }
  return value;
}

/** The hostile fixture's run, every patch-controlled string carrying `payload`, with a suppressed finding and an input error too. */
export function poisonedRun(payload: string): RunResult {
  const run = hostile();
  const last = run.findings[run.findings.length - 1]!;
  run.findings.push({ ...last, fingerprint: `${last.fingerprint}-s`, suppressed: { reason: 'reason', line: last.line } });
  run.errors.push({ file: 'input.eml', line: 3, code: 'not-a-patch', message: 'could not read' });
  // Condition text quotes the patch (a `conditional` mechanism's condition): give every simulation some.
  for (const site of run.sites) for (const r of Object.values(site.arch ?? {})) if (r?.sim) Object.assign(r.sim, { failsWhen: 'cond is false', notes: ['assumes cond'] });
  return poison(run, payload);
}

/** Characters no output may carry raw: anything outside letters, marks, numbers, punctuation, symbols, spaces, tab, LF. */
export const NOT_VISIBLE = /[^\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}\t\n]|[\u115f\u1160\u3164\uffa0\u2800]/u;

/** Outside code, what GitHub or GitLab would turn into a link, mention or reference. */
export const LIVE_IN_PROSE: Record<string, RegExp> = {
  mention: /(^|[^\w`])@[A-Za-z0-9]/,
  'issue reference': /(^|[^\w&])(#\d|GH-\d|[\w.-]+\/[\w.-]+#\d|!\d|&\d)/,
  'www autolink': /(^|[\s*_~(])www\./i,
  'scheme autolink': /\b(https?|ftp|mailto|javascript|xmpp):/i,
  'email autolink': /[\w.+-]+@[\w-]+\.[\w.-]*\w/,
};

/** Markdown outputs of every format: the whole comment, or each Markdown string a JSON format carries. */
export function markdownDocuments(format: string, output: string): string[] {
  if (format === 'markdown') return [output];
  if (format === 'github') {
    const payload = JSON.parse(output) as { body: string; comments: { body: string }[] };
    return [payload.body, ...payload.comments.map((c) => c.body)];
  }
  if (format === 'rdjson') {
    const result = JSON.parse(output) as { diagnostics: { message: string; related_locations?: { message: string }[] }[] };
    return result.diagnostics.flatMap((d) => [d.message, ...(d.related_locations ?? []).map((r) => r.message)]);
  }
  return [];
}

/** The Mermaid diagrams in Markdown. */
export const mermaidBlocks = (markdown: string): string[] => [...markdown.matchAll(/^(`{3,})mermaid\n([\s\S]*?)\n\1$/gm)].map((m) => m[2]!);

/** Text a reader sees outside code in rendered HTML (entities decoded). */
export function proseOutsideCode(html: string): string {
  return html
    .replace(/<pre[\s\S]*?<\/pre>/g, ' ')
    .replace(/<code>[\s\S]*?<\/code>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The tags a flushcheck comment may contain: its own structure, nothing from a patch. */
export const OUR_TAGS = new Set(['p', 'h3', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code', 'pre', 'strong', 'b', 'details', 'summary', 'br', 'hr']);

export const tagsIn = (html: string): string[] => [...html.matchAll(/<\/?([a-zA-Z][\w-]*)/g)].map((m) => m[1]!.toLowerCase());

/** Rendered HTML of one Markdown document has no tag, link, image, mention or reference from the patch. */
export function assertInertHtml(html: string, where: string): void {
  expect(
    tagsIn(html).filter((t) => !OUR_TAGS.has(t)),
    `${where}: tags`,
  ).toEqual([]);
  expect(html, `${where}: link or image`).not.toMatch(/<(a|img)[\s>]|<[^>]*\s(href|src|on\w+)=/i);
  const prose = proseOutsideCode(html);
  for (const [what, pattern] of Object.entries(LIVE_IN_PROSE)) expect(prose, `${where}: ${what} outside code`).not.toMatch(pattern);
  expect((html.match(/<details[\s>]/g) ?? []).length, `${where}: details balanced`).toBe((html.match(/<\/details>/g) ?? []).length);
}

/**
 * Reads annotations the way the runner does (a line starting `::`, the
 * command info up to the next `::`, properties split on `,` then `=`): every
 * line must be one of our commands, with only our properties.
 */
export function assertOnlyOurAnnotations(text: string): void {
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(1);
  for (const line of lines) {
    expect(line, 'a line of ours').toMatch(/^::(error|warning|notice) /);
    const end = line.indexOf('::', 2);
    const properties = line.slice(line.indexOf(' ') + 1, end).split(',');
    for (const p of properties) expect(p.split('=')[0], line).toMatch(/^(file|line|title)$/);
    // Read as a command of ours first, so the runner never tries the legacy `##[` form on it.
    expect(end, line).toBeGreaterThan(0);
  }
}
