import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../src/report/index.js';
import { fixture, readFixture, runCli } from '../helpers/cli.js';
import { runWithFindingAt } from './fixture-run.js';
import { assertInertHtml, assertOnlyOurAnnotations, markdownDocuments, NOT_VISIBLE } from './hostile-corpus.js';

/*
 * fixtures/hostile/lone-cr.eml: a base64 mail whose code lines carry lone CRs
 * followed by trailers, U+2028 and NEL before workflow commands, a bidi
 * override, and an RFC 2047 From: that decodes to several lines. Read by the
 * real parser, with a finding on the line that holds them.
 */
const run = runWithFindingAt('lone-cr.eml', readFixture('hostile', 'lone-cr.eml'), [13]);
const md = new MarkdownIt({ html: true, linkify: true });

describe('a hostile base64 mail', () => {
  it('reaches the reporters with its line breaks and controls intact', () => {
    expect(run.findings.length).toBeGreaterThan(0);
    expect(run.patches[0]!.author).toMatch(/\n::error/);
    expect(run.patches[0]!.files![0]!.hunks[0]!.lines.join('\n')).toMatch(/\rReviewed-by:/);
  });

  it('reply: every line of the patch is quoted, no trailer reaches the margin', () => {
    const out = REPORTERS.reply!(run, { color: false });
    expect(out).toContain('> +    /* tidy up  Reviewed-by: Mallory <mallory@evil.example> Acked-by: Mallory');
    for (const line of out.split('\n')) expect(line).not.toMatch(/^\s*[\w-]+-by\s*:/);
    expect(out).not.toMatch(NOT_VISIBLE);
    expect(out).not.toMatch(/^\s*::[\w-]+/m);
  });

  it('every format: no raw control or bidi character, no workflow command', () => {
    for (const [name, reporter] of Object.entries(REPORTERS)) {
      const out = reporter(run, { color: false });
      expect(out, name).not.toMatch(NOT_VISIBLE);
      if (name === 'annotations') assertOnlyOurAnnotations(out);
      else if (name !== 'markdown') expect(out, name).not.toMatch(/^\s*::[\w-]+|##\[/m);
    }
    for (const format of ['markdown', 'github', 'rdjson'])
      for (const [i, doc] of markdownDocuments(format, REPORTERS[format]!(run, { color: false })).entries()) assertInertHtml(md.render(doc), `${format}[${i}]`);
  });

  it('through the CLI: text on standard output is clean too', async () => {
    const cli = await runCli(['review', '--fail-on', 'never', fixture('hostile', 'lone-cr.eml')], { isTTY: true });
    expect(cli.stdout.replace(/\u001b\[\d+m/g, '')).not.toMatch(NOT_VISIBLE);
    expect(cli.stdout).not.toMatch(/^\s*::[\w-]+/m);
    expect(cli.stdout).toContain('flush_tlb_mask(mask)');
  });
});
