import type { CommandModule } from './context.js';
import { explainCommand } from './explain.js';
import { reviewCommand } from './review.js';
import { rulesCommand } from './rules.js';
import { scanCommand } from './scan.js';
import { simulateCommand } from './simulate.js';
import { testCommand } from './test.js';

/** Every subcommand. A new command is one module plus a line here. */
export const COMMANDS: readonly CommandModule[] = [reviewCommand, scanCommand, simulateCommand, explainCommand, testCommand, rulesCommand];
