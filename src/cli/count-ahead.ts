import { statSync } from 'node:fs';
import { openSourceBatches, type SourceSpec } from '../targets/index.js';
import type { Shard } from '../targets/index.js';

/**
 * Counts a run's targets ahead of it, for the progress bar's total: the
 * engine takes targets only as it has room for them, so the input itself is read to its end
 * only near the end of the run. The sources are read a second time, batch by batch, and
 * `onCount` is told the growing count (`final` false) and then the whole (`final` true).
 *
 * Only when every source can be read twice: arguments and regular files. Stdin and FIFOs
 * (`<(generate-urls)`) cannot, so with one of them nothing is counted ahead and the total is
 * known when the input ends. Nothing is counted with `--resume` either (the finished targets
 * are not known until read). A source that fails here is left to the run itself to report.
 * Returns a function that stops the counting, or null when nothing is counted.
 */
export function countAhead(
  specs: readonly SourceSpec[],
  shard: Shard | undefined,
  onCount: (n: number, final: boolean) => void,
): (() => void) | null {
  let stopped = false;
  const rereadable = specs.every((spec) => {
    if (spec.kind === 'arg') return true;
    if (spec.kind === 'stdin' || spec.kind === 'items') return false;
    try {
      return statSync(spec.path).isFile();
    } catch {
      return false;
    }
  });
  if (!rereadable) return null;
  const selected = (n: number): number => {
    if (shard === undefined) return n;
    // Indexes k < n with k mod count = index − 1.
    const first = shard.index - 1;
    return n > first ? Math.floor((n - 1 - first) / shard.count) + 1 : 0;
  };
  void (async () => {
    let n = 0;
    const batches = await openSourceBatches(specs);
    for await (const batch of batches) {
      if (stopped) break;
      n += batch.length;
      onCount(selected(n), false);
    }
    if (!stopped) onCount(selected(n), true);
  })().catch(() => undefined);
  return () => {
    stopped = true;
  };
}
