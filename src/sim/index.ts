/** The embedded TLB/IPI simulator: see docs/sim.md. */
export { simulateStage } from './stage.js';
export { judgeSite, scenariosFor, DEFAULT_CPUS, type JudgeOptions } from './verdict.js';
export { simulate, combine } from './simulate.js';
export { buildScenario, scenarioName, SCENARIO_KINDS, MUTATIONS, type Mutation, type ScenarioSpec } from './scenarios.js';
export { outcomesOf, unforcedFlush, CONCRETE_FLUSHES, type ConcreteFlush } from './mechanisms.js';
export { explore, type Exploration, type ExploreOptions } from './explorer.js';
export { PROPERTIES, type PropertyId } from './properties.js';
export { renderTimeline, renderMermaid } from './render.js';
export { estimateCost, COST_PARAMETERS } from './cost.js';
