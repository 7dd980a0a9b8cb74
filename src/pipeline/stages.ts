import { FREE, type PatchAnalysis, type Site, type Stage, type StageStep } from '../types.js';
import { classifyStage } from '../classify/index.js';
import { modelStage } from '../model/index.js';
import { simulateStage } from '../sim/index.js';
import { SHARED_TEXT } from '../util/shared-text.js';

/**
 * The stages each patch's sites go through after site finding, in pipeline
 * order: model (mechanism per architecture) → classify (reachability) →
 * simulate (verdicts). A stage returns enriched copies of the sites.
 */
export const STAGES: readonly Stage[] = [modelStage, classifyStage, simulateStage];

/** A review's patch, or a scan's tree, through every stage. */
export function runStages(analysis: PatchAnalysis, stages: readonly Stage[] = STAGES): Site[] {
  const steps = stageSteps(analysis, stages);
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** What a review's steps yield after work that dropped many syntax trees: a moment to let Node free them (reviewAsync). */
export { FREE };

/**
 * The same, yielding after each stage: a caller that turns the event loop
 * there (reviewAsync) lets Node free the syntax trees and nodes a stage made
 * and dropped, which it does only from the event loop, before the next stage
 * makes its own.
 */
export function* stageSteps(analysis: PatchAnalysis, stages: readonly Stage[] = STAGES): Generator<StageStep, Site[]> {
  for (const stage of stages) {
    const out = stage(analysis);
    analysis.sites = Array.isArray(out) ? out : yield* out;
    // Each stage's sites carry text equal to that of other sites (util/shared-text.ts): one copy is kept.
    const shared = analysis.run.get(SHARED_TEXT);
    for (const site of analysis.sites) shared.share(site);
    yield FREE;
  }
  return analysis.sites;
}
