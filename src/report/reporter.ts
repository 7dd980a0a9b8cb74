import type { RunResult } from '../types.js';

export interface ReportOptions {
  /** ANSI colour: only on a terminal and never with NO_COLOR; the CLI decides. */
  color: boolean;
}

/** A reporter is a pure function from the run result to the bytes to print. */
export type Reporter = (run: RunResult, options: ReportOptions) => string;
