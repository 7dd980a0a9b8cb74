import type { RunResult } from '../types.js';

export interface ReportOptions {
  /** ANSI colour: on a terminal, or as --color / FORCE_COLOR / NO_COLOR say; the CLI decides. */
  color: boolean;
}

/** A reporter is a pure function from the run result to the bytes to print; one
 *  whose output can be large may also give it in chunks (`stream`), same bytes. */
export type Reporter = ((run: RunResult, options: ReportOptions) => string) & {
  stream?: (run: RunResult, options: ReportOptions) => Iterable<string>;
};
