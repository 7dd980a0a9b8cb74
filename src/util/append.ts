/**
 * Appends `items` to `into` in place. `into.push(...items)` passes every item
 * as an argument: past about 100k items (a big input's lines, sites or
 * findings) that overflows the call stack.
 */
export function appendAll<T>(into: T[], items: Iterable<T>): T[] {
  for (const item of items) into.push(item);
  return into;
}
