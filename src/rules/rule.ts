import type { Arch, EvidenceStep, RunResult, Severity, Site, TraceStep } from '../types.js';

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

/** What a rule reports; the runner turns it into a Finding. */
export interface RuleReport<M extends string> {
  messageId: M;
  data: Record<string, string>;
  site: Site;
  arch?: Arch;
  related?: EvidenceStep[];
  trace?: TraceStep[];
  fix?: string;
}

export interface Rule<M extends string = string> {
  meta: RuleMeta<M>;
  check(run: RunResult): RuleReport<M>[];
}

/** Typed factory: a report naming a message id the rule lacks does not compile. */
export const defineRule = <const M extends string>(rule: Rule<M>): Rule<M> => rule;
