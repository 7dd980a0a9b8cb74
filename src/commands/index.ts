import type { CommandModule } from './context.js';
import { reviewCommand } from './review.js';
import { scanCommand } from './scan.js';

/** Every subcommand. A new command is one module plus a line here. */
export const COMMANDS: readonly CommandModule[] = [reviewCommand, scanCommand];
