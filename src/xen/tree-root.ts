import { realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/**
 * Where a Xen source tree starts. Paths in every output, and the header paths
 * the model reads (`xen/arch/x86/include/asm/flushtlb.h`), are relative to the
 * repository root, whichever directory inside it the user named: the root,
 * `xen/`, or a subfolder.
 */

export interface TreeLocation {
  /** The repository root on disk (real path); the named directory when no Xen root is above it. */
  root: string;
  /** The named directory, relative to the root with `/` (`''` for the root itself). */
  scope: string;
  /** A Xen repository root was found (`xen/include/xen` and `xen/common` under it). */
  isXen: boolean;
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** A repository root holds Xen's hypervisor directory with its common code and headers. */
export const isXenRoot = (dir: string): boolean => isDirectory(join(dir, 'xen', 'include', 'xen')) && isDirectory(join(dir, 'xen', 'common'));

/** Climbs from `dir` to the first directory that is a Xen repository root. */
export function locateTree(dir: string): TreeLocation {
  const start = realpathSync(dir);
  for (let d = start; ; d = dirname(d)) {
    if (isXenRoot(d)) return { root: d, scope: relative(d, start).split(sep).join('/'), isXen: true };
    if (dirname(d) === d) break;
  }
  return { root: start, scope: '', isXen: false };
}
