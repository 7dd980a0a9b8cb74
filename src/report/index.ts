import { annotations } from './annotations.js';
import type { FormatName } from './formats.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { json } from './json.js';
import { markdown } from './markdown.js';
import type { Reporter } from './reporter.js';
import { rdjson } from './rdjson.js';
import { reply } from './reply.js';
import { sarif } from './sarif.js';
import { text } from './text.js';

/** Every output format by name. A new format is one module plus a line here and its name in formats.ts. */
const BY_NAME = {
  annotations,
  github,
  gitlab,
  json,
  markdown,
  rdjson,
  reply,
  sarif,
  text,
} satisfies Record<FormatName, Reporter>;

export const REPORTERS: Readonly<Record<string, Reporter>> = BY_NAME;
export { FORMAT_NAMES } from './formats.js';
export type { Reporter } from './reporter.js';
