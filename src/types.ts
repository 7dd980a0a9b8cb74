import type { SyntaxNode, Tree } from './parser/c/tree-sitter.js';

/**
 * Every data type that flows through the pipeline, in pipeline order:
 *
 *   input → patch → parsed image → site → flush model → classification
 *         → simulation → finding → run result → report
 *
 * Each stage is a function from one of these types to the next. The types that
 * appear in `RunResult` are the public JSON contract (schema/flushcheck-result.schema.json):
 * extend them, never rename a field or a value.
 */

// ───────────────────────────── errors are data ─────────────────────────────

/** A problem with one input; the rest of the run carries on. Exit code 2. */
export interface ToolError {
  /** The input as the user named it (`-` is standard input). */
  file: string;
  /** 1-based line and column in that input, where known. */
  line?: number;
  column?: number;
  /** Stable machine-readable code, e.g. `not-a-patch`, `truncated-hunk`. */
  code: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ToolError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const failed = <T = never>(error: ToolError): Result<T> => ({ ok: false, error });

// ─────────────────────────────── 1. input ──────────────────────────────────

export interface InputSource {
  /** As named on the command line; `-` for standard input; `git:REV` for --git. */
  name: string;
  text: string;
  /** The bytes were not UTF-8 and were read as Latin-1 (so the text's code units are the bytes). */
  latin1?: boolean;
  /** Its mail messages, MIME-decoded by a mail library before the synchronous read (parser/mime.ts); absent for other inputs. */
  mail?: DecodedMail[];
}

/** One mail message of an input, decoded: the read stage picks the patch out of it. */
export interface DecodedMail {
  /** 1-based input line where the message starts. */
  startLine: number;
  /** 1-based input line of the body's first line (approximate inside multipart bodies). */
  bodyLine: number;
  /** The mbox `From ` line that opened the message, '' for a lone message. */
  separator: string;
  /** Header values with RFC 2047 words decoded (Date as written). */
  headers: { subject?: string; from?: string; date?: string; messageId?: string; inReplyTo?: string; references?: string };
  /** The text body, then each attachment that can carry a patch, decoded to lines. */
  body: string[];
  /** Why the message could not be decoded; the input's other messages are kept. */
  error?: string;
}

export type PatchForm =
  | 'unified-diff'
  | 'format-patch'
  | 'mbox'
  | 'web-thread'
  | 'git'
  /** `flushcheck scan`: a whole tree, no patch. */
  | 'tree';

// ─────────────────────────────── 2. patch ──────────────────────────────────

export type LineChange = 'added' | 'removed' | 'unchanged';

export interface HunkLine {
  change: LineChange;
  /** Line number in the old file (removed and unchanged lines). */
  oldLine?: number;
  /** Line number in the new file (added and unchanged lines). */
  newLine?: number;
  text: string;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** Text after the second `@@`: git's guess at the enclosing function. */
  section: string;
  /** 1-based line of the `@@` header in the input. */
  inputLine: number;
  lines: HunkLine[];
}

export type FileStatus = 'modified' | 'added' | 'deleted' | 'renamed' | 'copied' | 'mode-only' | 'binary';

export interface FileDiff {
  /** Path without the a/ or b/ prefix; null for /dev/null. */
  oldPath: string | null;
  newPath: string | null;
  status: FileStatus;
  hunks: Hunk[];
  /** Mode changes, similarity index and the like: kept, never interpreted. */
  notes: string[];
  /** The preimage's (abbreviated) blob id from git's `index OLD..NEW` line, when the diff has one. */
  oldBlob?: string;
}

/** A Xen era (src/xen/eras.ts) and what placed a patch in it. */
export interface PatchEra {
  era: 'before-assisted' | 'assisted-unforced' | 'force-ipi' | 'no-assist';
  from: 'patch' | 'date' | 'assumed';
  reason: string;
}

export interface PatchMeta {
  /** 0-based index across the whole run, in input order. */
  index: number;
  /** The input this patch came from. */
  source: string;
  form: PatchForm;
  subject?: string;
  author?: string;
  date?: string;
  messageId?: string;
  commit?: string;
  /** Without a tree: the Xen era built-in knowledge judges this patch in, and what placed it there. */
  era?: PatchEra;
  /** `[PATCH v2 3/7]` → { version: 2, number: 3, total: 7 } */
  series?: { version?: number; number?: number; total?: number };
  /** What the diff shows, per file: reporters place comments only on these lines
   *  (GitHub rejects a review with one comment outside the diff) and quote them. */
  files?: PatchFileSummary[];
}

/** One file of a patch as the diff shows it. */
export interface PatchFileSummary {
  oldPath: string | null;
  newPath: string | null;
  status: FileStatus;
  hunks: HunkSummary[];
}

export interface HunkSummary {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  section: string;
  /** The hunk's lines as the diff writes them (first character `+`, `-` or ` `),
   *  for hunks that hold a flush site; empty for the others. */
  lines: string[];
}

export interface Patch {
  meta: PatchMeta;
  files: FileDiff[];
}

/** What reading one input produced: its patches, or one error. */
export interface ReadInput {
  source: string;
  form: PatchForm;
  patches: Patch[];
}

// ──────────────────────────── 3. parsed image ──────────────────────────────

export type Side = 'old' | 'new';

/**
 * The text tree-sitter parsed for one side of one file of a patch. Hunks are
 * fragments; `lineMap` ties each row of the parsed text back to the file.
 */
export interface ImageLine {
  /** Line number in the file on this side; 0 for synthetic wrapper lines. */
  fileLine: number;
  change: LineChange | 'context-from-tree' | 'synthetic';
  /** Index of the hunk this row came from, -1 outside hunks (tree text). */
  hunk: number;
}

// ─────────────────────────────── 4. sites ──────────────────────────────────

export type SiteKind = 'call' | 'definition' | 'flag-use';

/** `tree` marks a site the patch does not touch whose meaning it changes. */
export type SiteChange = LineChange | 'tree';

export interface SiteDefinition {
  form: 'object-macro' | 'function-macro' | 'inline-function' | 'function' | 'declaration';
  params?: string[];
  /** Macro replacement text or function body, as written. */
  body?: string;
  /** `#if` conditions that enclose the definition, outermost first, each as written
   *  (an `#else` branch is recorded as `!(cond)`). */
  conditions: string[];
  /** The hunk shows only part of the definition (a fragment was completed to parse it). */
  partial?: boolean;
}

export interface Site {
  /** Stable within one run: `p<patch>:<file>:<side>:<line>:<col>:<api>`. */
  id: string;
  patch: number;
  file: string;
  /** 1-based line on `side`. */
  line: number;
  /** 1-based column. */
  column: number;
  side: Side;
  change: SiteChange;
  /** Enclosing function, or null at file scope. */
  function: string | null;
  api: string;
  kind: SiteKind;
  /** Call arguments as written (calls only). */
  args?: string[];
  /** The call expression or the definition's first line, as written. */
  text: string;
  /** Branch conditions that guard a call inside its function, innermost last
   *  (`if (c)` → `c`; its `else` → `!(c)`). */
  guards: string[];
  definition?: SiteDefinition;
  /** Why this name counts as part of the flush family (helpers found on the way). */
  family?: 'builtin' | 'helper';
  /** Filled by the classifier (issue: reachability). */
  classes?: SiteClass[];
  evidence?: Evidence[];
  /** Filled by the flush model and the simulator, one entry per architecture. */
  arch?: Partial<Record<Arch, ArchResult>>;
  /** On a `MEMF_no_tlbflush` allocation site: the flush it owes, and a path out that skips it. */
  obligation?: Obligation;
  /** On an unchanged call: how the old side reads its guard (the patch may move what
   *  the guard reads, e.g. an assignment to a variable it tests). */
  previousGuard?: PreviousGuard;
  /** The call may run with interrupts off (classify/irq-off.ts): where they went off, and how. */
  irqOff?: IrqOffContext;
  /** Page-table updates (src/xen/page-table-updates.ts) its function makes before the call, on the call's side. */
  pageTableUpdates?: EvidenceStep[];
  /** On a use that opens a deferred flush (src/xen/deferrals.ts): pages released while it is still owed. */
  deferral?: Deferral;
}

/** A deferred flush opened at a site, checked against the page releases that follow it. */
export interface Deferral {
  /** `memf-no-tlbflush`, `iommu-dont-flush`, `p2m-defer` (src/xen/deferrals.ts). */
  mechanism: string;
  /** The function that opens it. */
  owner: string;
  /** What is deferred, in words. */
  flush: string;
  /** Releases (free, pool, reference drop) reached on some path while the flush is still owed. */
  releases: DeferredRelease[];
}

/** A page released before a deferred flush is paid. */
export interface DeferredRelease extends Location {
  /** The releasing call (`put_page`, `p2m_free_ptp`, …). */
  call: string;
  /** The page argument as written. */
  page: string;
  /** The statement, as written. */
  text: string;
  /** From where the deferral opened, through the work whose flush is owed, to the release. */
  path: EvidenceStep[];
}

/** Why a flush call may run with interrupts off. */
export interface IrqOffContext {
  /** `function`: a disable in the call's own function reaches it on some path; `caller`: a caller calls
   *  the call's function with interrupts off (reachability only, not confirmed for every caller);
   *  `later-enable`: no disable in view, but the function turns interrupts on after the call with no
   *  disable between (the disable is above a hunk, in a caller, or the hardware's); `boot-phase`: the call's
   *  guards on `system_state` confine it to boot phases where interrupts are off and only the boot CPU runs
   *  (src/xen/boot-phases.ts). */
  via: 'function' | 'caller' | 'later-enable' | 'boot-phase';
  /** Where interrupts went off first, the site last. */
  steps: EvidenceStep[];
  /** `boot-phase`: the `system_state` values that reach the call (`SYS_STATE_early_boot`, …) and the guard that says so. */
  phases?: string[];
  guard?: string;
}

/** An unchanged call's guard as the code before the patch reads it. */
export interface PreviousGuard {
  /** 1-based line on the old side. */
  line: number;
  classes: SiteClass[];
  conditions: string[];
  /** The conditions read through what their variables held (def-use), when that differs. */
  conditionsRead?: string[];
}

/** A function that allocates with `MEMF_no_tlbflush` owes a flush on every path out. */
export interface Obligation {
  owner: string;
  /** Flush sites that discharge it. */
  flushedAt: Location[];
  /** A path from the allocation to an exit that passes no flush, if any. */
  missingPath?: EvidenceStep[];
}

// ───────────────────────────── 5. flush model ──────────────────────────────

export type Arch = 'x86' | 'arm' | 'riscv' | 'ppc';
export const ARCHES: readonly Arch[] = ['x86', 'arm', 'riscv', 'ppc'];

/** `not-implemented`: the port's flush is a stub that traps (`BUG()`, `ASSERT_UNREACHABLE()`): no flush completes, and nothing after it runs. */
export type Mechanism = 'ipi' | 'assisted-possible' | 'forced-ipi' | 'conditional' | 'broadcast' | 'firmware' | 'none' | 'not-implemented' | 'unknown';

export interface FlushModel {
  mechanism: Mechanism;
  /** Where the deciding definition came from: `path:line`, `patch:path:line` or `built-in`. */
  source: string;
  /** For `conditional`: the C condition under which the IPI is forced. */
  condition?: string;
  /** Expansion steps, e.g. `flush_tlb_mask_sync(m) → flush_mask(m, FLUSH_TLB|FLUSH_FORCE_IPI)`. */
  expansion?: string[];
  /** Plain-words remarks: `alias of flush_tlb_mask`, `FLUSH_FORCE_IPI is 0 in this build`. */
  notes?: string[];
  /** Names whose built-in definition the model used (neither the patch nor the tree defines them in view). */
  builtIn?: string[];
  /** x86: the flags with work of their own (src/xen/flush-flags.ts) the call passes, by value:
   *  `always` set on every path that flushes, `some` set on at least one (a choice `c ? F : 0`),
   *  `maybe` possibly set on one (values not known). Absent where no path's flags are read. */
  flagsWithWork?: { always: string[]; some: string[]; maybe: string[] };
}

// ─────────────────────────── 6. classification ─────────────────────────────

export type SiteClass = 'page-type-change' | 'allocation' | 'deferred-allocation-flush' | 'other';

export interface Location {
  file: string;
  line: number;
  function?: string | null;
}

/** One step of the chain that justifies a class. */
export interface EvidenceStep extends Location {
  message: string;
}

export interface Evidence {
  class: SiteClass;
  /** Root first, the site last. */
  steps: EvidenceStep[];
  /** Branch conditions on the way (e.g. "old type was a page table"). */
  conditions?: string[];
  /** Arguments a caller passes to a helper on this path, by parameter name. */
  args?: Record<string, string>;
  /** The chain stops where the code in view ends (function or callers not shown):
   *  `other` then means "no root seen", not "no root exists". */
  incomplete?: boolean;
  /** `conditions` with each variable read through what it holds where it is tested
   *  (def-use), when that differs from the text: what the flush's guard means. */
  conditionsRead?: string[];
  /** What the variables the conditions and arguments read hold at the site (def-use),
   *  e.g. `{ "nx": "(x & ~(PGT_type_mask | PGT_validated)) | type" }`. */
  values?: Record<string, string>;
  /** Page-type changes: the old types that reach the site, computed over the ordered `PGT_*` table. */
  oldTypes?: OldTypes;
}

/** Which old page types reach a flush, computed (not matched) over the `PGT_*` table. */
export interface OldTypes {
  /** The expression read as the page's old type (`x`), or `the page's type` when no condition reads it. */
  input: string;
  /** `PGT_*` names, in the table's order. */
  reach: string[];
  /** Where the ordered table came from: the tree's header paths, or `built-in …`. */
  table: string;
}

// ───────────────────────────── 7. simulation ───────────────────────────────

export type Verdict =
  | 'ok'
  | 'missing-forced-ipi'
  /** A type change flushed at a narrower scope (one VA, a range) than the frame's mappings: unsafe whatever the mechanism. */
  | 'narrow-scope'
  | 'unnecessary-forced-ipi'
  | 'no-op'
  | 'not-applicable'
  | 'inconclusive';

export interface TraceStep {
  step: number;
  cpu: number;
  actor: 'walker' | 'initiator' | 'irq' | 'hw' | 'owner';
  action: string;
  /** What changed in the machine, in words. */
  effect: string;
}

export interface SimResult {
  safe: boolean;
  states: number;
  transitions: number;
  /** Shortest counterexample when unsafe; empty when safe. */
  trace: TraceStep[];
  /** Which property failed (P1…P4), when unsafe. */
  property?: string;
  /** For `conditional` mechanisms: the outcome under which it fails. */
  failsWhen?: string;
  /** Bound hit when inconclusive. */
  bound?: string;
  scenario: string;
  cpus: number;
  /** What the scenario assumes, in words (e.g. why Arm has no interrupt-masking walker). */
  notes?: string[];
  /** What the scenario was built from, read from the code (issue 13). */
  inputs?: ScenarioInputs;
  /** `inconclusive` because the model cannot tell (not a bound): why. */
  undecided?: string;
}

/** The simulator's inputs for one site, as the code decides them. */
export interface ScenarioInputs {
  /** Page-type changes: the old types (PGT_* names) that reach the flush. */
  oldTypes?: string[];
  /** The page-table types among them that take the unforced flush in the failing run. */
  unforcedOldTypes?: string[];
  /** The flags the remote CPUs see once flush_area_mask's local flush took its part. */
  flagsAfterLocal?: string;
  /** What the flush drops on each CPU: `whole TLB`, `one VA`, `order N range`. */
  scope?: string;
  /** The TLB-flush timestamp filter narrows the mask on this path (tlbflush_filter). */
  filtered?: boolean;
  /** Where each input came from, in words. */
  sources: string[];
}

/** What forcing (or not forcing) one flush costs, from the documented parameters in src/sim/cost.ts. */
export interface CostEstimate {
  /** Online CPUs assumed. */
  cpus: number;
  /** CPUs one forced flush interrupts. */
  targets: number;
  /** Wall time of one IPI flush to that many targets, x2APIC (low) to xAPIC (high). */
  ipiFlushMs: { low: number; high: number };
  /** Whole-workload system-time ratio, IPI vs assisted flushes, as measured. */
  workloadRatio: number;
  /** Whether the finding's fix adds forcing or removes it. */
  direction: 'adds-forcing' | 'removes-forcing';
  summary: string;
  assumptions: string[];
}

export interface ArchResult extends FlushModel {
  verdict?: Verdict;
  sim?: SimResult;
  /** On a `change: "tree"` site: the model before the patch changed a definition it uses. */
  previous?: FlushModel;
  /** When the site may run with interrupts off (`Site.irqOff`): the flush simulated with the
   *  initiator's interrupts off beside a second flusher (mutation `initiator-irq-off`). */
  irqOff?: SimResult;
}

// ─────────────────────────────── 8. finding ────────────────────────────────

export type Severity = 'error' | 'warning' | 'note';
export const SEVERITY_RANK: Record<Severity, number> = { note: 0, warning: 1, error: 2 };

export interface Finding {
  ruleId: string;
  /** Kebab slug of the rule, e.g. `missing-forced-ipi`. */
  ruleName: string;
  messageId: string;
  /** Data the message template is filled with. */
  data: Record<string, string>;
  /** Rendered once, from the rule's template (reporters never decide wording). */
  message: string;
  severity: Severity;
  patch: number;
  file: string;
  line: number;
  side: Side;
  function: string | null;
  siteId?: string;
  arch?: Arch;
  related: EvidenceStep[];
  trace?: TraceStep[];
  fix?: string;
  /** Stable across unrelated line moves: hash of file, function, api, flags, rule. */
  fingerprint: string;
  suppressed?: { reason: string; line: number };
}

/**
 * An inline `/* flushcheck: ignore FC001 -- reason *\/` comment, read from a
 * tree-sitter comment node of the patch. It covers findings on its own lines
 * and on the line after it, on the same side of the same file.
 */
export interface Suppression {
  patch: number;
  file: string;
  side: Side;
  /** 1-based first and last line of the comment on `side`. */
  line: number;
  endLine: number;
  change: LineChange;
  /** Function the comment sits in, or null at file scope. */
  function: string | null;
  /** Rule ids (a rule named by its slug is mapped to its id). */
  rules: string[];
  /** Names in the comment that are no rule of this flushcheck. */
  unknownRules?: string[];
  /** Required: a suppression without one suppresses nothing. */
  reason?: string;
  /** The comment as written. */
  text: string;
}

/** Severity overrides from the configuration: a severity, or `off` to drop the rule. */
export type RuleSetting = Severity | 'off';

// ────────────────────────────── 9. run result ──────────────────────────────

export interface RunInput {
  name: string;
  form?: PatchForm;
  patches: number;
  error?: ToolError;
}

/** One file whose preimage the `--tree` does not hold. */
export interface TreeMismatch {
  /** 0-based patch index. */
  patch: number;
  /** The preimage path (the new path for a file the patch adds). */
  file: string;
  /** `blob`: git's index line names another blob; `context`: a hunk line differs; `missing`: no such file in the tree; `exists`: the patch adds a file the tree already has. */
  reason: 'blob' | 'context' | 'missing' | 'exists';
  /** For `blob`: the id the patch names; for `context`: the first old-side line that differs. */
  expected?: string;
  line?: number;
}

export interface RunConfig {
  arches: Arch[];
  /** Build configuration symbols, e.g. { CONFIG_PV: true }. */
  config: Record<string, boolean>;
  tree?: string;
  /**
   * With `--tree`: whether every file the patches touch is, in the tree, the
   * file the patch was made against (blob id of git's `index` line, else the
   * hunks' context and removed lines at their stated lines). False: the
   * verdicts describe the tree's code, not the patch's base.
   */
  treeMatchesPreimage?: boolean;
  /** The files where it is not, in patch order (at most 100). */
  treeMismatches?: TreeMismatch[];
  /** What the assisted-flush model came from: the tree's `flush_area_mask` or built-in. */
  assistedModel?: string;
  /** Where the run's flush model came from, as a whole. */
  model?: ModelBasis;
  /** Extra classification roots from the configuration file, by class. */
  roots?: ExtraRoots;
  /** Severity overrides from the configuration file, by rule id. */
  rules?: Record<string, RuleSetting>;
  /** The configuration file the run read: as typed (`--config-file`), or found upward, relative to the repository root. */
  configFile?: string;
  /** `--baseline FILE`: findings already in that report are left out. */
  baseline?: { file: string; known: number };
}

/** Where a run's flush model came from: code in view, built-in knowledge of Xen, or both. */
export interface ModelBasis {
  from: 'code' | 'built-in' | 'code+built-in';
  /** The parts taken from built-in knowledge, as `arch: name`, sorted. */
  builtIn?: string[];
  /** One line naming the model, as the text report's first line. */
  summary: string;
}

/** The classes a configuration can add roots for. */
export type RootClass = Exclude<SiteClass, 'other'>;

/** How many paths from a function's entry to a page release pass a flush first. */
export type FlushCoverage = 'every' | 'some' | 'none';

/**
 * A page release (free, return to a pool, reference drop) that the patch left
 * behind fewer flushes: before the patch every (or some) path to it passed a
 * flush, after it some path (or none) does. FC009's evidence, found by
 * comparing the function's two control-flow graphs (classify/free-before-flush.ts).
 */
export interface ExposedRelease {
  patch: number;
  /** The release on the new side. */
  file: string;
  line: number;
  function: string;
  /** The releasing call (`p2m_free_ptp`), its kind and the argument naming the page. */
  api: string;
  kind: 'free' | 'pool' | 'put';
  /** The heap's TLB-flush stamp covers the page if it has an owner (src/xen/page-release.ts): not replayed. */
  heapMayCover?: true;
  page: string;
  text: string;
  /** The same release on the old side. */
  oldFile: string;
  oldLine: number;
  before: FlushCoverage;
  after: FlushCoverage;
  /** The flush that came before the release on the old side, nearest first. */
  coveredBy?: EvidenceStep & { api: string };
  /** The covering call paid a deferred p2m flush (`p2m->defer_flush` is set while the lock is held). */
  deferred: boolean;
  /** From the function's entry to the release, passing no flush (new side). */
  path: EvidenceStep[];
  /** When no path flushes first any more: the new order replayed (sim/release-order.ts), on `simArch`. */
  sim?: SimResult;
  simArch?: Arch;
}

export interface RunResult {
  schemaVersion: 1;
  tool: { name: 'flushcheck'; version: string };
  settings: RunConfig;
  inputs: RunInput[];
  patches: PatchMeta[];
  sites: Site[];
  findings: Finding[];
  errors: ToolError[];
  /** Inline suppressions found in the patches, used or not. */
  suppressions?: Suppression[];
  /** Page releases a patch left with fewer covering flushes (FC009's evidence). */
  exposedReleases?: ExposedRelease[];
}

// ───────────────────── 10. fixture tests (flushcheck test) ─────────────────────

/** Semgrep-style inline expectations, read from C comments. */
export type AnnotationKind = 'ruleid' | 'ok' | 'todoruleid' | 'todook';

export interface Annotation {
  kind: AnnotationKind;
  /** A rule id (`FC001`) or its slug (`missing-forced-ipi`). */
  rule: string;
  /** The line it speaks about: the next code line, or its own for a trailing comment. */
  file: string;
  line: number;
  /** Which side's line numbers `line` is in; both for a file the patch leaves alone. */
  sides: Side[];
  /** The patch whose post-image holds it; undefined for tree files. */
  patch?: number;
  /** Where the comment itself is, for messages: `path:line`. */
  at: string;
}

/** One patch-like file of a fixture directory and its sidecars. */
export interface FixtureCase {
  /** The input as shown in messages (the path as reached from the arguments). */
  input: string;
  /** `<name>.expect`, whether or not it exists yet. */
  expect: string;
  /** `<name>.tree/`, when present: the base tree, as `--tree`. */
  tree?: string;
  /** `<name>.json`, when present: arches and config. */
  options?: string;
}

export interface CaseProblem {
  kind: 'missing' | 'noisy' | 'error';
  /** An expectation line, or the error. */
  text: string;
  /** Where an annotation said so, e.g. `ok: FC001 at xen/mm.c:41`. */
  because?: string;
}

export interface CaseResult {
  case: FixtureCase;
  passed: boolean;
  problems: CaseProblem[];
  /** What the tool reported, as `.expect` lines, sorted. */
  actual: string[];
  /** Known gaps that changed (a `todoruleid` now reported, a `todook` no longer). */
  notes: string[];
  /** `--update` rewrote the `.expect` file. */
  updated?: boolean;
}

// ─────────────── internal stage data (in memory only, never JSON) ───────────────

/** One side of a file (or of one hunk) as tree-sitter parsed it. */
export interface ParsedImage {
  file: string;
  side: Side;
  text: string;
  /** One entry per row of `text`. */
  rows: ImageLine[];
  tree: Tree;
  /** For hunk fragments: the function the hunk header names. */
  enclosingFunction: string | null;
  /** True when the text is a whole file (from --tree or git), not a fragment. */
  wholeFile: boolean;
}

/** A macro, function or prototype seen in an image. */
export interface CollectedDefinition {
  name: string;
  form: SiteDefinition['form'];
  params?: string[];
  body?: string;
  /** Identifiers the body mentions (for functions: the calls it makes). */
  references: Set<string>;
  conditions: string[];
  node: SyntaxNode;
  /** The part of the node that locates it: the signature of a function. */
  head: SyntaxNode;
  image: ParsedImage;
  /** `node`'s and `head`'s indexes in the image's flat tree, when collected from one (see CollectedCall.at). */
  readonly at?: number;
  readonly headAt?: number;
}

export interface CollectedCall {
  name: string;
  /** May be made on first read: position-only readers use the fields below. */
  node: SyntaxNode;
  /** The call's offsets in the parsed text, and the row and column it starts at (tree-sitter's, 0-based). */
  start: number;
  end: number;
  row: number;
  column: number;
  args: string[];
  enclosing: string | null;
  guards: string[];
  image: ParsedImage;
  /** The call's index in its image's flat tree, when collected from one: found without the native tree. */
  readonly at?: number;
  /** Inside another call's arguments (a value, not a flush of its own). */
  inArguments?: boolean;
}

export interface CollectedUse {
  name: string;
  node: SyntaxNode;
  enclosing: string | null;
  guards: string[];
  image: ParsedImage;
  /** See CollectedCall.at. */
  readonly at?: number;
}

/** What one walk of one image yields. */
export interface Collected {
  definitions: CollectedDefinition[];
  calls: CollectedCall[];
  uses: CollectedUse[];
}

/** Options every stage sees. */
export interface StageOptions {
  arches: Arch[];
  config: Record<string, boolean>;
  /** Roots the configuration adds to those found in the code (see docs/classify.md). */
  roots?: ExtraRoots;
}

/**
 * One patch on its way through the stages after site finding. Stages read
 * `collected` (the parsed images) and return enriched copies of `sites`.
 */
export interface PatchAnalysis {
  patch: Patch;
  collected: Collected[];
  /** The images `collected` was read from, when its calls were pruned after site finding (sites/find-sites.ts); else those its records come from. */
  images?: readonly ParsedImage[];
  sites: Site[];
  /** The flush family as known after this patch (builtin names and helpers). */
  family: ReadonlySet<string>;
  /** Base tree, when the run has one (`--tree`, `--git`): the run's view of it (see util/run-context.ts). */
  base?: BaseTreeReader;
  /** The whole tree's facts when the run built them (a scan); a review searches the tree around its sites. */
  treeIndex?: TreeIndex;
  options: StageOptions;
  /** What the run keeps while it runs (caches); nothing outlives it. */
  run: RunScope;
}

/** A per-run cache: a key and how to make its first value (util/run-context.ts defines them). */
export interface Slot<T> {
  readonly name: string;
  readonly make: () => T;
}

/** What one run keeps while it runs, made by the pipeline per run (util/run-context.ts). */
export interface RunScope {
  /** This run's value of `slot`, made on first use. */
  get<T>(slot: Slot<T>): T;
  /** This run's view of a base tree: caches keyed on it die with the run. */
  tree(base: BaseTreeReader): BaseTreeReader;
  tree(base: BaseTreeReader | undefined): BaseTreeReader | undefined;
}

/** What a stage's steps yield: a moment for Node to free the syntax nodes and trees the stage dropped (see src/pipeline/stages.ts). */
export type StageStep = 'free';
export const FREE: StageStep = 'free';

/**
 * A stage after site finding: model, classify, simulate. See src/pipeline/stages.ts.
 * One that works site by site may hand its sites back in steps, yielding between them.
 */
export type Stage = (analysis: PatchAnalysis) => Site[] | Generator<StageStep, Site[]>;

/** Read-only view of a base tree (see parser/base-tree.ts). */
export interface BaseTreeReader {
  readonly label: string;
  read(path: string): string | undefined;
  /** Directory root for whole-tree work, when the tree is a directory. */
  readonly directory?: string;
}

// ───────────── classification facts (internal; cross worker threads, never JSON) ─────────────

/** The classes a root gives the flushes it reaches (`other` is what no root reaches). */

/** Function names per root class, added to the roots found in the code
 *  (`.flushcheck.json` `roots`; `deferred-allocation-flush` names owners of a
 *  `MEMF_no_tlbflush` allocation). */
export type ExtraRoots = Partial<Record<RootClass, string[]>>;

/** One call as the classifier sees it: plain data, so it crosses worker threads. */
export interface CallFact {
  callee: string;
  /** The function or macro making the call; null at file scope. */
  caller: string | null;
  args: string[];
  /** Branch conditions guarding the call inside its caller, outermost first. */
  guards: string[];
  file: string;
  /** 1-based line in the file (0 when the call is on a synthetic row). */
  line: number;
  column: number;
  text: string;
  /** The nearest label before the call in its function (`out:`). */
  label?: { name: string; line: number };
}

/** One node of a function's control-flow graph (built from the tree-sitter AST). */
export interface FlowNode {
  id: number;
  kind: 'entry' | 'exit' | 'statement' | 'branch' | 'label' | 'goto' | 'return';
  /** 1-based file line; 0 for entry and exit. */
  line: number;
  text: string;
  /** Functions the node calls (for a branch: in its condition). */
  calls: string[];
  /** Sets or passes `MEMF_no_tlbflush` here. */
  setsNoTlbflush?: boolean;
  /** Passes the `MEMF_no_tlbflush` flags to a call: the allocation that owes the flush. */
  allocates?: boolean;
  /** Records the owed flush (`accumulate_tlbflush`): from here on the debt is real. */
  accumulates?: boolean;
  /** A branch on the accumulated bookkeeping flag (`if ( need_tlbflush )`): what its
   *  true side calls. When that flushes, both sides settle the debt. */
  settlesIfCalls?: string[];
  /** Calls here that release a page (src/xen/page-release.ts), with the page argument as written. */
  releases?: { call: string; page: string }[];
  /** Deferral mechanisms (src/xen/deferrals.ts) this statement opens. */
  opensDeferral?: string[];
  /** Calls here with their arguments as written (graphs of functions that may defer a flush). */
  callArgs?: { name: string; args: string[] }[];
  /** The variable this statement assigns a fresh page to (`pg = alloc_domheap_page(…)`). */
  freshPage?: string;
  /** Plain variables this node assigns (`page = mfn_to_page(mfn)`): what they held before is gone. */
  assigns?: string[];
  next: { to: number; branch?: string }[];
}

export interface FlowGraph {
  nodes: FlowNode[];
  entry: number;
  exit: number;
}

/** What a function's body shows the classifier, as evidence steps. */
export interface FunctionFacts {
  name: string;
  file: string;
  line: number;
  form: SiteDefinition['form'] | 'macro-expansion';
  params: string[];
  /** Last line of the definition (0 when not known). */
  endLine: number;
  /** Only part of the body is in view (a hunk fragment). */
  partial: boolean;
  /** Callable from other files: not `static`, or defined in a header. */
  exported: boolean;
  /** Statements in the body (thin wrappers are small). */
  statements: number;
  /** Writes to a page's `type_info`. */
  typeInfoWrites: EvidenceStep[];
  /** Assignments that involve `PGT_type_mask`. */
  typeMaskWrites: EvidenceStep[];
  /** Freed-page TLB bookkeeping: `accumulate_tlbflush` calls, tests of a `need_tlbflush` flag. */
  bookkeeping: EvidenceStep[];
  /** Where it sets or passes `MEMF_no_tlbflush`. */
  noTlbflushSets: EvidenceStep[];
  /** For `MEMF_no_tlbflush` owners with their whole body in view. */
  flow?: FlowGraph;
  /** Calls that may run with interrupts off (functions that disable them; classify/irq-off.ts). */
  irqOffCalls?: IrqOffCall[];
}

/** A call made while a disable of interrupts may still be open on some path. */
export interface IrqOffCall {
  callee: string;
  line: number;
  /** The disable that is open there (the earliest, when several are). */
  offLine: number;
  offText: string;
  /** No disable in view reaches the call; an enable after it (with no matching disable between) says interrupts were off: `off*` is that enable. */
  inferred?: boolean;
}

/** A function-like macro whose body defines a function (`DEFINE_X(name, …)`). */
export interface GeneratorMacro {
  name: string;
  params: string[];
  body: string;
  file: string;
  line: number;
}

/** A file-scope invocation of a macro, possibly a generator. */
export interface MacroInvocation {
  macro: string;
  args: string[];
  file: string;
  line: number;
}

/** Everything the classifier needs from one side of one file. */
export interface FileFacts {
  file: string;
  side: Side;
  /** True when the whole file was in view (a tree file or a whole-file image). */
  wholeFile: boolean;
  functions: FunctionFacts[];
  /** Caller → callee for every call in a function or macro body. */
  edges: [caller: string, callee: string][];
  /** The calls in detail: all of them for patch images, those that can carry a class for tree files. */
  calls: CallFact[];
  generators: GeneratorMacro[];
  invocations: MacroInvocation[];
}

/** A tree's facts and family, shared by every patch reviewed against it. */
export interface TreeIndex {
  directory: string;
  family: ReadonlySet<string>;
  facts: readonly FileFacts[];
  /** Files parsed and files skipped before parsing. */
  parsed: number;
  skipped: number;
}
