import MarkdownIt from 'markdown-it';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { REPORTERS } from '../../src/report/index.js';
import { assertInertHtml, assertOnlyOurAnnotations, markdownDocuments, mermaidBlocks, NOT_VISIBLE, PAYLOADS, poisonedRun } from './hostile-corpus.js';

/*
 * Every format × every patch-controlled field × every payload class. Oracles:
 * Mermaid's own parser (no directive applied, no participant or statement
 * added), a CommonMark renderer with raw HTML and bare-URL linking on (no tag,
 * link, image, mention or reference from the patch), and per-context rules for
 * the terminal, CI logs, mail and JSON. cmark-gfm, GitHub's renderer, checks
 * the same documents in test/system/render-cmark-gfm.system.test.ts.
 */

const md = new MarkdownIt({ html: true, linkify: true });
const FORMATS = Object.keys(REPORTERS).sort();
const SGR = /\u001b\[\d+(;\d+)*m/g;

/** A line a GitHub runner would take as a workflow command, or GitLab as a section marker. */
const CI_COMMAND = /^\s*::[\w-]+|##\[|\u001b\[0Ksection_/m;

/** Labels of the reply's own that have a trailer's shape; a patch line at the margin never does. */
const OUR_LABELS = /^(Evidence|Fix|Counterexample):/;

async function assertInertMermaid(diagram: string, where: string): Promise<void> {
  expect(diagram, `${where}: directive text`).not.toMatch(/%%\s*\{|\{\s*init|%%[^ ]/);
  const parsed = await mermaid.parse(diagram);
  expect(parsed?.config, `${where}: configuration from the diagram`).toEqual({});
  const db = (await mermaid.mermaidAPI.getDiagramFromText(diagram)).db as unknown as { getActors(): Map<string, unknown>; getMessages(): { message: string }[] };
  const actors = [...db.getActors().keys()];
  expect(
    actors.every((a) => /^CPU\d+$/.test(a)),
    `${where}: participants ${actors.join(',')}`,
  ).toBe(true);
  // One statement per line we wrote: a `;` or line break from the patch would add some.
  const statements = diagram.split('\n').filter((l) => /^\s+(Note|CPU\d|rect|end$)/.test(l)).length;
  expect(db.getMessages().length, `${where}: statements`).toBe(statements);
}

function assertReplyQuoted(text: string, where: string): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('>') || line.startsWith(' ')) continue;
    // At the margin: never a trailer (`Reviewed-by:`), never patch text in a trailer's shape.
    expect(line, `${where}: trailer at the margin`).not.toMatch(/^[\p{L}\p{N}_-]+-by\s*:/iu);
    if (/^[\p{L}\p{N}_-]+\s*:/u.test(line)) expect(line, `${where}: label`).toMatch(OUR_LABELS);
  }
}

describe('hostile corpus: every format, every patch-controlled field, every payload class', () => {
  for (const [name, payload] of Object.entries(PAYLOADS)) {
    describe(name, () => {
      const run = poisonedRun(payload);
      const outputs = Object.fromEntries(FORMATS.map((f) => [f, REPORTERS[f]!(run, { color: false })]));

      it('reaches every format (the test is not vacuous)', () => {
        for (const format of FORMATS) expect(outputs[format], format).toMatch(/CANARY/);
      });

      it('leaves no raw control, bidi, zero-width or separator character in any format', () => {
        for (const format of FORMATS) {
          const bad = NOT_VISIBLE.exec(outputs[format]!);
          expect(bad && `U+${bad[0].codePointAt(0)!.toString(16)}`, format).toBeNull();
        }
        const coloured = REPORTERS.text!(run, { color: true }).replace(SGR, '');
        expect(coloured).not.toMatch(NOT_VISIBLE);
      });

      it('gives a CI log no workflow command and no section marker', () => {
        for (const format of FORMATS.filter((f) => f !== 'markdown' && f !== 'annotations')) expect(outputs[format], format).not.toMatch(CI_COMMAND);
        assertOnlyOurAnnotations(outputs.annotations!);
        // Markdown is posted, not logged, and shows code as written; still, no line of it starts a command.
        expect(outputs.markdown).not.toMatch(/^\s*::[\w-]+/m);
      });

      it('gives every Markdown document no live HTML, link, image, mention or reference (CommonMark, raw HTML and linkify on)', () => {
        for (const format of ['markdown', 'github', 'rdjson']) {
          const docs = markdownDocuments(format, outputs[format]!);
          expect(docs.length, format).toBeGreaterThan(0);
          for (const [i, doc] of docs.entries()) assertInertHtml(md.render(doc), `${format}[${i}]`);
        }
      });

      it("gives Mermaid's own parser no directive, participant or statement from the patch", async () => {
        const diagrams = ['markdown', 'github'].flatMap((f) => markdownDocuments(f, outputs[f]!).flatMap(mermaidBlocks));
        expect(diagrams.length).toBeGreaterThan(0);
        for (const [i, d] of diagrams.entries()) await assertInertMermaid(d, `diagram ${i}`);
      });

      it('quotes every patch line of a mail reply and lets no trailer through', () => {
        assertReplyQuoted(outputs.reply!, 'reply');
      });

      it('keeps JSON formats parseable with the patch text intact in identifiers', () => {
        for (const format of ['json', 'github', 'gitlab', 'rdjson', 'sarif']) expect(() => JSON.parse(outputs[format]!), format).not.toThrow();
        // The contract keeps values as they are; only their bytes are escaped.
        const parsed = JSON.parse(outputs.json!) as { findings: { file: string }[] };
        expect(parsed.findings[0]!.file).toBe(run.findings[0]!.file);
      });
    });
  }
});
