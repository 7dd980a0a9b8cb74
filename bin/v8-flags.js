/**
 * The V8 flags bin/flushcheck.js sets before it compiles the CLI bundle (the
 * code cache is taken only under the flags it was made with).
 *
 * V8 lets the old generation grow to up to four times what the last full
 * collection kept before it collects again: 4 MB of flush hunks (200 MB
 * live) peaked at 950 MB. Growing by one fifth keeps the peak near what is
 * live, at no measured cost to a scan or a review against a tree.
 */
export const V8_FLAGS = ['--heap-growing-percent=20'];
