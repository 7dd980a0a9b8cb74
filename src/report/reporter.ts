import type { RunResult } from '../types.js';

export interface ReportOptions {
  /** ANSI colour: only on a terminal and never with NO_COLOR; the CLI decides. */
  color: boolean;
}

/** A reporter is a pure function from the run result to the bytes to print; one
 *  whose output can be large may also give it in chunks (`stream`), same bytes. */
export type Reporter = ((run: RunResult, options: ReportOptions) => string) & {
  stream?: (run: RunResult, options: ReportOptions) => Iterable<string>;
};
