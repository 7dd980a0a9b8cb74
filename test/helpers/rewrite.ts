/** A patch that rewrites a whole file from `before` to `after` in one hunk, so everything is in view. */
export function rewrite(path: string, before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  return [
    `diff --git a/${path} b/${path}`,
    'index 1111111..2222222 100644',
    `--- a/${path}`,
    `+++ b/${path}`,
    `@@ -1,${a.length} +1,${b.length} @@`,
    ...a.map((l) => `-${l}`),
    ...b.map((l) => `+${l}`),
    '',
  ].join('\n');
}
