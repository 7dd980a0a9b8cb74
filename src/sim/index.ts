/** The embedded TLB/IPI simulator (see docs/sim.md); the pipeline runs it as its last stage. */
export { simulateStage } from './stage.js';
