import { Option } from 'commander';
import type { Rule } from '../rules/rule.js';
import type { CommandModule } from './context.js';

function ruleText(rule: Rule): string {
  const { meta } = rule;
  const indent = (text: string): string =>
    text
      .split('\n')
      .map((l) => (l ? `      ${l}` : ''))
      .join('\n');
  return [
    `${meta.id} ${meta.name} (${meta.severity})`,
    `  ${meta.title}`,
    `  ${meta.docs.summary}`,
    `  x86: ${meta.docs.x86}`,
    `  Arm: ${meta.docs.arm}`,
    '  reported:',
    indent(meta.docs.bad),
    '  fixed:',
    indent(meta.docs.good),
  ].join('\n');
}

/** `flushcheck rules`: every rule from the registry, with its docs. */
export const rulesCommand: CommandModule = (program, { io, setExit }) => {
  program
    .command('rules')
    .description('list the rules: id, name, default severity, and why (x86 and Arm views)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts: { format: 'text' | 'json' }) => {
      // Loaded when the command runs, not by every process.
      const { RULES } = await import('../rules/index.js');
      if (opts.format === 'json')
        io.stdout(
          `${JSON.stringify(
            RULES.map((r) => r.meta),
            null,
            2,
          )}\n`,
        );
      else io.stdout(`${RULES.map(ruleText).join('\n\n')}\n`);
      setExit(0);
    });
};
