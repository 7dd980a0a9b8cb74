import type { Arch, BaseTreeReader, ExtraRoots, RuleSetting, StageOptions } from '../types.js';

/** What a run is asked to do: the same for `review`, `scan` and `explain`. */
export interface RunOptions {
  arches: Arch[];
  config: Record<string, boolean>;
  /** `--tree DIR`: base of every input that has none of its own. */
  tree?: BaseTreeReader;
  treeLabel?: string;
  /** From the configuration file: extra classification roots, severity overrides. */
  roots?: ExtraRoots;
  rules?: Record<string, RuleSetting>;
  configFile?: string;
  /** `--baseline FILE`: findings whose fingerprints an earlier report had are left out. */
  baseline?: { file: string; fingerprints: readonly string[] };
}

export const DEFAULT_CONFIG: Record<string, boolean> = { CONFIG_PV: true, CONFIG_SHADOW_PAGING: true, CONFIG_HVM: true };
export const DEFAULT_ARCHES: Arch[] = ['x86', 'arm'];

export const stageOptions = (options: RunOptions): StageOptions => ({ arches: options.arches, config: options.config, ...(options.roots ? { roots: options.roots } : {}) });
