import { github } from './github.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import type { Reporter } from './reporter.js';
import { text } from './text.js';

/** Every output format by name. A new format is one module plus a line here. */
export const REPORTERS: Readonly<Record<string, Reporter>> = {
  github,
  json,
  markdown,
  text,
};

export const FORMAT_NAMES = Object.keys(REPORTERS).sort();
export type { Reporter, ReportOptions } from './reporter.js';
