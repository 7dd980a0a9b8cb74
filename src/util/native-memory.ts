import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Native memory V8 cannot see, accounted for by hand. tree-sitter's trees
 * (some 50 bytes of native memory per byte of text parsed) are freed only by
 * finalizers, which run once a full collection finds their small JS
 * wrappers dead; V8 schedules full collections by the growth of its own
 * heap, which these wrappers barely move. A patch of thousands of hunks piled
 * up 40k dead trees (300 MB) between two collections. The parser reports
 * what it allocates; past a budget, one full collection lets the dead go.
 */
const BUDGET_BYTES = 128 * 1024 * 1024;

let owed = 0;
let fullCollection: (() => void) | null | undefined;

/** Records `bytes` of native memory just allocated; past the budget, collects once. */
export function allocatedNatively(bytes: number): void {
  owed += bytes;
  if (owed < BUDGET_BYTES) return;
  owed = 0;
  collector()?.();
}

/** Node's `gc()`, made available at run time (the CLI is not started with --expose-gc); null where it cannot be. */
function collector(): (() => void) | null {
  if (fullCollection === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      fullCollection = runInNewContext('gc') as () => void;
    } catch {
      fullCollection = null;
    }
  }
  return fullCollection;
}
