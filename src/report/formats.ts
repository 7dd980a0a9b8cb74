/**
 * The output formats by name, sorted. Apart from the reporters so the CLI can
 * list and check `--format` without loading them; index.ts maps each name to
 * its reporter, and the type checker holds the two to the same names.
 */
const FORMATS = ['annotations', 'github', 'gitlab', 'json', 'markdown', 'rdjson', 'reply', 'sarif', 'text'] as const;
export type FormatName = (typeof FORMATS)[number];
export const FORMAT_NAMES: readonly string[] = FORMATS;
