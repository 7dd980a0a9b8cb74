import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../src/report/index.js';
import { assertInertHtml, markdownDocuments, PAYLOADS, poisonedRun } from '../report/hostile-corpus.js';

/*
 * The hostile corpus rendered by GitHub's own Markdown renderer, cmark-gfm
 * (Debian package `cmark-gfm`), with the extensions GitHub turns on and raw
 * HTML let through (GitHub sanitises later; nothing from the patch may be
 * HTML at all). scripts/test-deps.sh installs it; where it is missing, the file
 * is skipped with one line saying so.
 */

const available = spawnSync('cmark-gfm', ['--version']).status === 0;
if (!available) console.log('render-cmark-gfm: skipped, cmark-gfm is not installed (scripts/test-deps.sh installs it as root on Debian)');

const GITHUB_EXTENSIONS = ['autolink', 'table', 'strikethrough', 'tagfilter', 'tasklist'].flatMap((e) => ['-e', e]);
const render = (markdown: string): string => execFileSync('cmark-gfm', ['--unsafe', ...GITHUB_EXTENSIONS], { input: markdown }).toString();

describe.skipIf(!available)('hostile corpus through cmark-gfm, GitHub’s renderer', () => {
  it('is the renderer that links what ours might not (the oracle can fail)', () => {
    expect(render('_www.evil.example')).toMatch(/<a href=/);
  });

  for (const [name, payload] of Object.entries(PAYLOADS)) {
    it(`${name}: no live link, mention, reference, image or HTML in markdown, github or rdjson`, () => {
      const run = poisonedRun(payload);
      for (const format of ['markdown', 'github', 'rdjson']) {
        const docs = markdownDocuments(format, REPORTERS[format]!(run, { color: false }));
        expect(docs.length, format).toBeGreaterThan(0);
        for (const [i, doc] of docs.entries()) assertInertHtml(render(doc), `${format}[${i}]`);
      }
    });
  }
});
