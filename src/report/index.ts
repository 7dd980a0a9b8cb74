import { annotations } from './annotations.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import type { Reporter } from './reporter.js';
import { rdjson } from './rdjson.js';
import { reply } from './reply.js';
import { sarif } from './sarif.js';
import { text } from './text.js';

/** Every output format by name. A new format is one module plus a line here. */
export const REPORTERS: Readonly<Record<string, Reporter>> = {
  annotations,
  github,
  gitlab,
  json,
  markdown,
  rdjson,
  reply,
  sarif,
  text,
};

export const FORMAT_NAMES = Object.keys(REPORTERS).sort();
export type { Reporter } from './reporter.js';
