import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinPageTypes, pageTypeTable } from '../../src/classify/page-types.js';
import { xenTree } from '../helpers/xen.js';

describe('the PGT_* table of a real tree', () => {
  it("Xen 4.17's table is read from its headers (PG_mask, BITS_PER_LONG, PGT_root_page_table in x86_64/page.h)", () => {
    const root = xenTree();
    const table = pageTypeTable({
      label: 'xen',
      read: (p) => {
        try {
          return readFileSync(join(root, p), 'utf8');
        } catch {
          return undefined;
        }
      },
    });
    expect(table.source).toMatch(/xen\/arch\/x86\/include\/asm\/mm\.h/);
    expect(table.types.map((t) => t.name)).toEqual(builtinPageTypes().types.map((t) => t.name));
    expect(table.types.map((t) => t.value)).toEqual(builtinPageTypes().types.map((t) => t.value));
    expect(table.constants.get('PGT_root_page_table')).toBe(table.constants.get('PGT_l4_page_table'));
  });
});
