/**
 * The flow, in one place. Read this folder first:
 *
 *   review: input → read (parser/) → sites (sites/) ─┐
 *   scan:   tree → index (classify/scan-tree.ts) ────┤
 *                                                    ├→ stages.ts: model → classify → simulate
 *                                                    └→ result.ts: settings, rules, baseline → RunResult
 *
 * Each run makes one RunContext (util/run-context.ts) and passes it to every
 * stage; nothing a run caches outlives it. Reporters (report/) turn the
 * RunResult into text; commands (commands/) turn options into RunOptions.
 */
export { DEFAULT_ARCHES, DEFAULT_CONFIG, type RunOptions } from './options.js';
export { review, reviewAsync, type ReviewInput } from './review.js';
export { scan } from './scan.js';
export { STAGES } from './stages.js';
