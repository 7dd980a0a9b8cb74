import MarkdownIt from 'markdown-it';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { runCli, SAMPLE } from '../helpers/cli.js';

const AT = 'xen/common/memory.c:293';

interface ExplainJson {
  location: string;
  sites: {
    file: string;
    line: number;
    side: string;
    function: string | null;
    simulated: boolean;
    arch: Record<string, { mechanism: string; verdict: string | null; sim: { safe: boolean; trace: unknown[] } }>;
  }[];
}

describe('explain --format json', () => {
  it('is one JSON document: each call at the location by side, its replays keyed by architecture', async () => {
    const run = await runCli(['explain', AT, '--format', 'json', SAMPLE]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as ExplainJson;
    expect(doc.location).toBe(AT);
    expect(doc.sites.length).toBeGreaterThan(0);
    expect(doc.sites[0]!.side).toBe('new');
    const site = doc.sites[0]!;
    expect([site.file, site.line, site.function]).toEqual(['xen/common/memory.c', 293, 'populate_physmap']);
    expect(Object.keys(site.arch).sort()).toEqual(['arm', 'x86']);
    expect(site.arch.x86!.verdict).toBe('missing-forced-ipi');
    expect(site.arch.x86!.sim.safe).toBe(false);
    expect(site.arch.arm!.sim.safe).toBe(true);
    // The exit code is the document's: unsafe somewhere is 1.
    expect(doc.sites.some((s) => Object.values(s.arch).some((a) => !a.sim.safe))).toBe(true);
  });

  it('--arch narrows the keys', async () => {
    const doc = JSON.parse((await runCli(['explain', AT, '--format', 'json', '--arch', 'arm', SAMPLE])).stdout) as ExplainJson;
    for (const site of doc.sites) expect(Object.keys(site.arch)).toEqual(site.simulated ? ['arm'] : []);
  });
});

describe('explain --format mermaid', () => {
  it('is Markdown: one heading per site and architecture over a mermaid block that parses on its own', async () => {
    const [mmd, json] = await Promise.all([runCli(['explain', AT, '--format', 'mermaid', SAMPLE]), runCli(['explain', AT, '--format', 'json', SAMPLE])]);
    expect(mmd.code).toBe(1);
    const doc = JSON.parse(json.stdout) as ExplainJson;
    const expected = doc.sites.flatMap((s) => Object.keys(s.arch).map((arch) => `${s.side} side) in populate_physmap, ${arch}: ${s.arch[arch]!.mechanism}`));
    const tokens = new MarkdownIt().parse(mmd.stdout, {});
    const headings = tokens.flatMap((t, i) => (t.type === 'heading_open' ? [tokens[i + 1]!.content.replace(/`/g, '')] : []));
    const blocks = tokens.filter((t) => t.type === 'fence');
    expect(blocks.map((b) => b.info)).toEqual(expected.map(() => 'mermaid'));
    expect(headings.map((h) => h.slice(h.indexOf('(') + 1, h.lastIndexOf(' →')))).toEqual(expected);
    for (const block of blocks) {
      expect(block.content.startsWith('sequenceDiagram\n')).toBe(true);
      expect(await mermaid.parse(block.content)).toBeTruthy();
    }
  });
});

/** A note's lines as a reader sees them: `<br/>` breaks, `#NNN;` one character each. */
const noteLines = (note: string): string[] => note.split('<br/>').map((l) => l.replace(/#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))));

describe('Mermaid notes fit a comment (800 px)', () => {
  it('one note per effect, every line at most 40 characters, and the diagram still parses', async () => {
    const [mmd, json] = await Promise.all([runCli(['explain', AT, '--format', 'mermaid', '--arch', 'x86', SAMPLE]), runCli(['explain', AT, '--format', 'json', '--arch', 'x86', SAMPLE])]);
    const site = (JSON.parse(json.stdout) as ExplainJson).sites[0]!;
    const trace = site.arch.x86!.sim.trace as { cpu: number; effect: string }[];
    const block = new MarkdownIt().parse(mmd.stdout, {}).find((t) => t.type === 'fence')!.content;
    const notes = block.split('\n').flatMap((l) => /^ {2}Note (?:over|right of) [^:]+: (.*)$/.exec(l)?.[1] ?? []);
    expect(notes.length).toBeGreaterThan(trace.length);
    const lines = notes.flatMap(noteLines);
    expect(Math.max(...lines.map((l) => Array.from(l).length))).toBeLessThanOrEqual(40);
    // Wrapping kept every word: the effects read the same once the breaks are spaces.
    const effects = block.split('\n').flatMap((l) => /^ {2}Note right of CPU\d+: (.*)$/.exec(l)?.[1] ?? []);
    const expected = trace.flatMap((s) => s.effect.split('; ').filter((e) => e && !/flush IPI pending on/.test(e)));
    expect(effects.map((e) => noteLines(e).join(' '))).toEqual(expected);
    expect(await mermaid.parse(block)).toBeTruthy();
  });

  it('the Markdown report embeds the same wrapped diagram, and adds no invisible character to code', async () => {
    const md = (await runCli(['review', '--format', 'markdown', SAMPLE])).stdout;
    const blocks = new MarkdownIt().parse(md, {}).filter((t) => t.type === 'fence' && t.info === 'mermaid');
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const notes = block.content.split('\n').flatMap((l) => /^ {2}Note [^:]+: (.*)$/.exec(l)?.[1] ?? []);
      for (const line of notes.flatMap(noteLines)) expect(Array.from(line).length).toBeLessThanOrEqual(40);
      expect(await mermaid.parse(block.content)).toBeTruthy();
    }
    expect(md).not.toMatch(/[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]/);
  });
});
