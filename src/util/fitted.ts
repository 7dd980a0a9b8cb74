/**
 * `list` in an array of its own length. V8 gives an array built by push room
 * for 17 elements or more: the records a large patch keeps by the hundred
 * thousand (a call's arguments, a site's notes) held 150 bytes of empty room
 * each. An empty list has no room to give back.
 */
export function fitted<T>(list: T[]): T[] {
  return list.length === 0 ? list : list.slice();
}
