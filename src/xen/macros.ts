/**
 * Xen's macros that are not C to a C grammar, and how they are read.
 *
 * tree-sitter parses what the preprocessor would see, not what Xen writes:
 * - `static void cf_check f(void)` and `void __init f(void)`: an unknown word
 *   before the declarator makes the grammar lose the function's name;
 * - `for_each_online_cpu(cpu) stmt;` with no braces parses as a declaration
 *   (`for_each_online_cpu(cpu)` taken as a type), swallowing the statement
 *   after it, flush calls included.
 * The text is masked before parsing, keeping every byte offset and line:
 * attributes become blanks, and an iterator at the start of a statement
 * becomes `while`, so its body is a loop body, braced or not.
 */

/** Attribute-like words Xen puts in declarations (`xen/include/xen/compiler.h`, `init.h`). */
export const XEN_ATTRIBUTES: readonly string[] = [
  '__always_inline',
  '__attribute_const__',
  '__attribute_pure__',
  '__cold',
  '__exit',
  '__exitdata',
  '__hwdom_init',
  '__hwdom_initdata',
  '__init',
  '__initconst',
  '__initconst_cf_clobber',
  '__initconstrel',
  '__initdata',
  '__initdata_cf_clobber',
  '__maybe_unused',
  '__must_check',
  '__packed',
  '__read_mostly',
  '__ro_after_init',
  '__transparent__',
  '__used',
  '__weak',
  'always_inline',
  'cf_check',
  'gnu_inline',
  'noinline',
  'noreturn',
];

/** Attributes that take arguments: `__section(".text.x")`, `__aligned(PAGE_SIZE)`. */
export const XEN_ATTRIBUTES_WITH_ARGS: readonly string[] = ['__aligned', '__nonnull', '__section', '__text_section', '__used_section'];

/**
 * Iterator macros seen in Xen, for documentation and tests; any identifier
 * holding `for_each` at the start of a statement is read as one (`ITERATOR`).
 */
export const XEN_ITERATORS: readonly string[] = [
  'for_each_cpu',
  'for_each_domain',
  'for_each_domain_in_cpupool',
  'for_each_online_cpu',
  'for_each_online_node',
  'for_each_possible_cpu',
  'for_each_present_cpu',
  'for_each_set_bit',
  'for_each_vcpu',
  'hlist_for_each_entry',
  'list_for_each',
  'list_for_each_entry',
  'list_for_each_entry_safe',
  'list_for_each_safe',
  'page_list_for_each',
  'page_list_for_each_safe',
  'page_list_for_each_safe_reverse',
];

const ITERATOR = /^[A-Za-z_]\w*for_each\w*$|^for_each\w*$/;
const ATTRIBUTE = new RegExp(`\\b(?:${XEN_ATTRIBUTES.join('|')})\\b`, 'g');
const ATTRIBUTE_WITH_ARGS = new RegExp(`\\b(?:${XEN_ATTRIBUTES_WITH_ARGS.join('|')})\\s*\\([^()\\n]*(?:\\([^()\\n]*\\)[^()\\n]*)*\\)`, 'g');
/** An identifier holding `for_each` first on its line, then `(`. */
const ITERATOR_START = /^([ \t]*)([A-Za-z_]\w*for_each\w*|for_each\w*)([ \t]*)\(/gm;

const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** Whether a text can need masking at all (most parsed snippets do not). */
const mayNeedMasking = (text: string): boolean => text.includes('for_each') || /\b(?:__\w|cf_check|always_inline|noinline|noreturn|gnu_inline)/.test(text);

/** The index just past the `)` matching the `(` at `open`, or -1 (unbalanced, or a line too far). */
function closingParen(text: string, open: number): number {
  let depth = 0;
  const limit = Math.min(text.length, open + 1024);
  for (let i = open; i < limit; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
    else if (c === '"' || c === "'") {
      // Skip a literal: a `)` inside it closes nothing.
      for (i++; i < limit && text[i] !== c; i++) if (text[i] === '\\') i++;
    }
  }
  return -1;
}

/** Is the line holding `at` a preprocessor directive (`#define for_each_cpu(...)`)? */
function onDirectiveLine(text: string, at: number): boolean {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  return /^\s*#/.test(text.slice(start, at));
}

/** The text as the grammar should read it; same length, same lines. */
export function maskXenMacros(text: string): string {
  if (!mayNeedMasking(text)) return text;
  let out = text.replace(ATTRIBUTE_WITH_ARGS, (m, at: number) => (onDirectiveLine(text, at) ? m : blank(m)));
  out = out.replace(ATTRIBUTE, (m, at: number) => (onDirectiveLine(text, at) ? m : blank(m)));
  if (!out.includes('for_each')) return out;
  const pieces: string[] = [];
  let from = 0;
  for (const m of out.matchAll(ITERATOR_START)) {
    const name = m[2]!;
    if (!ITERATOR.test(name)) continue;
    const nameAt = m.index + m[1]!.length;
    const close = closingParen(out, nameAt + name.length + m[3]!.length);
    if (close < 0) continue;
    // `for_each_x(a);` is a call statement; anything else after `)` is the loop body.
    const next = /\S/.exec(out.slice(close, close + 256));
    if (!next || next[0] === ';' || next[0] === ')' || next[0] === ',' || next[0] === '\\') continue;
    // `while` plus blanks, as long as the name: a loop the grammar knows.
    pieces.push(out.slice(from, nameAt), 'while'.padEnd(name.length, ' '));
    from = nameAt + name.length;
  }
  if (pieces.length === 0) return out;
  pieces.push(out.slice(from));
  return pieces.join('');
}
