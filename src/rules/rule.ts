import type { Arch, EvidenceStep, RunResult, Severity, Side, Site, TraceStep } from '../types.js';

/** Everything a rule's documentation needs; `docs/rules.md` is generated from it. */
export interface RuleDocs {
  summary: string;
  /** Why, for an x86 reviewer. */
  x86: string;
  /** Why, in words for an Arm (or any non-x86) reviewer. */
  arm: string;
  /** C that the rule reports, and the same code fixed. */
  bad: string;
  good: string;
}

export interface RuleMeta<M extends string> {
  /** Stable id, `FC001`. */
  id: string;
  /** Kebab slug, stable too. */
  name: string;
  severity: Severity;
  title: string;
  /** Message templates by id; `{{key}}` is filled from the report's data. */
  messages: Record<M, string>;
  docs: RuleDocs;
}

/** Where a report that concerns no site points (e.g. a suppression comment). */
export interface ReportLocation {
  patch: number;
  file: string;
  line: number;
  side: Side;
  function: string | null;
}

interface ReportBody<M extends string> {
  messageId: M;
  data: Record<string, string>;
  arch?: Arch;
  related?: EvidenceStep[];
  trace?: TraceStep[];
  fix?: string;
  /** Lower than the rule's own when the finding rests on an assumption (e.g. an assumed Xen era). */
  severity?: Severity;
}

/**
 * What a rule reports; the runner turns it into a Finding. It is about a site,
 * or about a place with no site: then `identity` (never a line number) makes
 * its fingerprint.
 */
export type RuleReport<M extends string> = ReportBody<M> & ({ site: Site } | { site?: undefined; at: ReportLocation; identity: string[] });

export interface Rule<M extends string = string> {
  meta: RuleMeta<M>;
  /** Runs after the other rules, on `run.findings` as they stand once
   *  inline suppressions are applied (e.g. to report unused suppressions). */
  afterSuppressions?: boolean;
  check(run: RunResult): RuleReport<M>[];
}

/** Typed factory: a report naming a message id the rule lacks does not compile. */
export const defineRule = <const M extends string>(rule: Rule<M>): Rule<M> => rule;
