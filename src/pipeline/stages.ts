import type { PatchAnalysis, Site, Stage } from '../types.js';
import { classifyStage } from '../classify/index.js';
import { modelStage } from '../model/index.js';
import { simulateStage } from '../sim/index.js';

/**
 * The stages each patch's sites go through after site finding, in pipeline
 * order: model (mechanism per architecture) → classify (reachability) →
 * simulate (verdicts). A stage returns enriched copies of the sites.
 */
export const STAGES: readonly Stage[] = [modelStage, classifyStage, simulateStage];

/** A review's patch, or a scan's tree, through every stage. */
export function runStages(analysis: PatchAnalysis, stages: readonly Stage[] = STAGES): Site[] {
  for (const stage of stages) analysis.sites = stage(analysis);
  return analysis.sites;
}
