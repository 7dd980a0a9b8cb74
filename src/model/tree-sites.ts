import type { Site } from '../types.js';
import type { PatchModel } from './patch-model.js';

export function treeSites(_model: PatchModel, _sites: readonly Site[]): Site[] {
  return [];
}
