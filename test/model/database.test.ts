import { describe, expect, it } from 'vitest';
import type { BaseTreeReader } from '../../src/types.js';
import { builtinLayer } from '../../src/xen/builtin-model.js';
import { archOfPath, DefinitionDb, definitionsFrom, staticLayer } from '../../src/model/database.js';
import { join } from '../../src/model/evaluate.js';
import { archesInTree, archHeaders, loadTreeFile, parseTreeFile, treeLayer } from '../../src/model/tree-headers.js';
import { DirTree } from '../../src/parser/base-tree.js';
import { DEFAULT_CONFIG } from '../../src/pipeline/index.js';
import { builtinFamily } from '../../src/sites/find-sites.js';
import { fixture } from '../helpers/cli.js';
import { memoryTree } from '../helpers/model.js';

const value = (db: DefinitionDb, name: string): number | undefined => {
  const v = db.macroValue(name);
  return v ? join(v).ones : undefined;
};

describe('paths and architectures', () => {
  it.each([
    ['xen/arch/x86/include/asm/flushtlb.h', 'x86'],
    ['xen/include/asm-x86/flushtlb.h', 'x86'],
    ['xen/include/asm-arm/arm64/flushtlb.h', 'arm'],
    ['xen/arch/arm/arm64/smp.c', 'arm'],
    ['xen/arch/riscv/include/asm/flushtlb.h', 'riscv'],
    ['xen/include/xen/mm.h', 'common'],
    ['xen/common/page_alloc.c', 'common'],
    ['tools/misc/x.c', 'common'],
  ] as const)('%s → %s', (path, arch) => {
    expect(archOfPath(path)).toBe(arch);
  });

  it('lists the flush headers of both layouts', () => {
    expect(archHeaders('x86')).toEqual(expect.arrayContaining(['xen/include/asm-x86/flushtlb.h', 'xen/arch/x86/include/asm/flushtlb.h', 'xen/arch/x86/include/asm/page-bits.h']));
    expect(archHeaders('arm')).toContain('xen/arch/arm/include/asm/arm64/flushtlb.h');
  });
});

describe('tree headers', () => {
  const OLD_LAYOUT = { 'xen/include/asm-x86/flushtlb.h': '#define FLUSH_TLB 0x100\n#define flush_tlb_mask(m) flush_mask(m, FLUSH_TLB)\n' };
  const NEW_LAYOUT = { 'xen/arch/x86/include/asm/flushtlb.h': '\n\n#define FLUSH_TLB 0x100\n#define flush_tlb_mask(m) flush_mask(m, FLUSH_TLB)\n' };

  it.each([
    ['old layout', OLD_LAYOUT, 'xen/include/asm-x86/flushtlb.h:2'],
    ['new layout', NEW_LAYOUT, 'xen/arch/x86/include/asm/flushtlb.h:4'],
  ] as const)('reads the %s, with the definition’s line as its source', (_layout, files, source) => {
    const db = new DefinitionDb('x86', DEFAULT_CONFIG, [treeLayer(memoryTree(files), ['x86'], builtinFamily())]);
    expect(db.resolve('flush_tlb_mask').def?.source).toBe(source);
  });

  it('parses each file once per process', () => {
    let reads = 0;
    const files: Record<string, string> = { 'xen/arch/x86/include/asm/flushtlb.h': '#define FLUSH_TLB 0x100\n' };
    const base: BaseTreeReader = {
      label: 'counting-tree',
      read: (p) => {
        reads++;
        return files[p];
      },
    };
    const first = loadTreeFile(base, 'xen/arch/x86/include/asm/flushtlb.h');
    const second = loadTreeFile(base, 'xen/arch/x86/include/asm/flushtlb.h');
    expect(second).toBe(first);
    treeLayer(base, ['x86'], builtinFamily());
    treeLayer(base, ['x86'], builtinFamily());
    const readsAfter = reads;
    treeLayer(base, ['x86'], builtinFamily());
    expect(reads).toBe(readsAfter);
  });

  it('says which ports have flush headers', () => {
    expect(archesInTree(memoryTree({ ...NEW_LAYOUT, 'xen/arch/riscv/include/asm/flushtlb.h': 'void arch_flush_tlb_mask(const cpumask_t *m);\n' }))).toEqual(['x86', 'riscv']);
  });

  it('finds the body of a flush function the headers only declare', () => {
    const tree = memoryTree({
      'xen/arch/arm/include/asm/flushtlb.h': 'void arch_flush_tlb_mask(const cpumask_t *mask);\n',
      'xen/arch/arm/smp.c': '#include <asm/flushtlb.h>\n\nvoid arch_flush_tlb_mask(const cpumask_t *mask)\n{\n    flush_all();\n}\n',
    });
    const db = new DefinitionDb('arm', DEFAULT_CONFIG, [treeLayer(tree, ['arm'], builtinFamily())]);
    const res = db.resolve('arch_flush_tlb_mask');
    expect(res.def?.source).toBe('xen/arch/arm/smp.c:3');
    expect(res.declarations.map((d) => d.source)).toEqual(['xen/arch/arm/include/asm/flushtlb.h:1']);
  });

  it('lists a directory tree’s sources to find such a body', () => {
    const db = new DefinitionDb('x86', DEFAULT_CONFIG, [treeLayer(new DirTree(fixture('model', 'mini-tree')), ['x86'], builtinFamily())]);
    expect(db.resolve('flush_area_mask').def?.source).toBe('xen/arch/x86/smp.c:4');
  });

  it('reads a function made by a file-scope macro invocation, and its TLBI operation', () => {
    const text = '#define MAKE_TLBI(name, op) \\\nstatic inline void name(void) \\\n{ asm volatile ( "tlbi " #op ";" : : : "memory" ); }\n\nMAKE_TLBI(tlbi_everyone, vmalle1is);\n';
    const defs = definitionsFrom([parseTreeFile('xen/arch/arm/include/asm/arm64/flushtlb.h', text)], { kind: 'tree' });
    const made = defs.find((d) => d.name === 'tlbi_everyone');
    expect(made?.generated).toEqual({ by: 'MAKE_TLBI', tlbiOps: ['vmalle1is'], asm: 'tlbi vmalle1is;memory' });
    expect(made?.source).toBe('xen/arch/arm/include/asm/arm64/flushtlb.h:5');
    expect(made?.arch).toBe('arm');
  });
});

describe('resolution', () => {
  const layerOf = (kind: 'series' | 'tree', path: string, text: string) => staticLayer(kind, definitionsFrom([parseTreeFile(path, text)], { kind }));

  it('searches layers in order: the first that defines a name wins', () => {
    const first = layerOf('series', 'xen/arch/x86/include/asm/flushtlb.h', '#define FLUSH_TLB 0x1\n');
    const second = layerOf('tree', 'xen/arch/x86/include/asm/flushtlb.h', '#define FLUSH_TLB 0x2\n#define FLUSH_CACHE 0x4\n');
    const db = new DefinitionDb('x86', DEFAULT_CONFIG, [first, second, builtinLayer()]);
    expect(value(db, 'FLUSH_TLB')).toBe(1);
    expect(value(db, 'FLUSH_CACHE')).toBe(4);
    expect(value(db, 'FLUSH_VA_VALID')).toBe(0x800);
    expect(db.resolve('FLUSH_VA_VALID').def?.source).toBe('built-in');
  });

  it('uses only definitions for the architecture or common code', () => {
    const layer = layerOf('tree', 'xen/arch/arm/include/asm/flushtlb.h', '#define FLUSH_ONLY_ARM 0x1\n');
    expect(value(new DefinitionDb('arm', DEFAULT_CONFIG, [layer]), 'FLUSH_ONLY_ARM')).toBe(1);
    expect(value(new DefinitionDb('x86', DEFAULT_CONFIG, [layer]), 'FLUSH_ONLY_ARM')).toBeUndefined();
  });

  it('prefers the architecture’s definition over a common one', () => {
    const common = staticLayer('tree', [
      ...definitionsFrom([parseTreeFile('xen/include/xen/mm.h', '#define FLUSH_X 0x1\n')], { kind: 'tree' }),
      ...definitionsFrom([parseTreeFile('xen/arch/x86/include/asm/flushtlb.h', '#define FLUSH_X 0x2\n')], { kind: 'tree' }),
    ]);
    expect(value(new DefinitionDb('x86', DEFAULT_CONFIG, [common]), 'FLUSH_X')).toBe(2);
  });

  it('evaluates #if per build and keeps what was rejected', () => {
    const layer = layerOf('tree', 'xen/arch/x86/include/asm/flushtlb.h', '#ifdef CONFIG_PV\n#define FLUSH_F 0x8000\n#else\n#define FLUSH_F 0\n#endif\n');
    const pv = new DefinitionDb('x86', DEFAULT_CONFIG, [layer]);
    const hap = new DefinitionDb('x86', { ...DEFAULT_CONFIG, CONFIG_PV: false }, [layer]);
    expect(value(pv, 'FLUSH_F')).toBe(0x8000);
    expect(value(hap, 'FLUSH_F')).toBe(0);
    expect(hap.resolve('FLUSH_F').rejected.map((d) => d.body)).toEqual(['0x8000']);
  });

  it('reads an #if the hunk does not show from the same definition further down', () => {
    const patch = layerOf('series', 'xen/arch/x86/include/asm/flushtlb.h', '#if __FLUSHCHECK_NOT_SHOWN__\n#define FLUSH_H 0x4000\n#else\n#define FLUSH_H 0\n#endif\n');
    const tree = layerOf('tree', 'xen/arch/x86/include/asm/flushtlb.h', '#if CONFIG_HVM\n#define FLUSH_H 0x4000\n#else\n#define FLUSH_H 0\n#endif\n');
    expect(value(new DefinitionDb('x86', DEFAULT_CONFIG, [patch, tree]), 'FLUSH_H')).toBe(0x4000);
    expect(value(new DefinitionDb('x86', { ...DEFAULT_CONFIG, CONFIG_HVM: false }, [patch, tree]), 'FLUSH_H')).toBe(0);
  });

  it('keeps looking past a prototype for a body', () => {
    const header = layerOf('series', 'xen/arch/x86/include/asm/flushtlb.h', 'void flush_area_mask(const cpumask_t *m, const void *va, unsigned int flags);\n');
    const db = new DefinitionDb('x86', DEFAULT_CONFIG, [header, builtinLayer()]);
    const res = db.resolve('flush_area_mask');
    expect(res.def?.layer).toBe('built-in');
    expect(res.declarations).toHaveLength(1);
  });

  it('does not loop on a self-referencing macro', () => {
    const layer = layerOf('tree', 'xen/arch/x86/include/asm/flushtlb.h', '#define FLUSH_LOOP (FLUSH_LOOP | 1)\n');
    expect(value(new DefinitionDb('x86', DEFAULT_CONFIG, [layer]), 'FLUSH_LOOP')).toBe(1);
  });
});
