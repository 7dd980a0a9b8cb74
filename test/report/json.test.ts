import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { json, jsonChunks } from '../../src/report/json.js';
import { fixture, SEED } from '../helpers/cli.js';
import { reviewText } from './fixture-run.js';

describe('json reporter', () => {
  for (const [name, path] of [
    ['the seed', SEED],
    ['a series with odd entries', fixture('forms', 'extended-headers.diff')],
    ['an mbox thread', fixture('forms', 'mbox-thread.mbox')],
  ] as const) {
    it(`streams the same bytes as JSON.stringify(run, null, 2): ${name}`, () => {
      const run = reviewText(path, readFileSync(path, 'utf8'));
      const whole = `${JSON.stringify(run, null, 2)}\n`;
      expect([...jsonChunks(run)].join('')).toBe(whole);
      expect(json(run, { color: false })).toBe(whole);
    });
  }
});
