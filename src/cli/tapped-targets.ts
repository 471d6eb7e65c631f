import { type BufferedSource, isBuffered } from '../engine/source.js';
import type { PreparedTarget } from '../types.js';

/**
 * The target stream with a look at each target on its way to the engine: `tap` sees every
 * target and returns false for one the run answers without fetching (`--cache`), which is then
 * not handed on. Keeps the source's `takeNow` (a target in a plain call, not a promise
 * per target), so the history features cost nothing on a run that does not use them.
 */
export function tapTargets(
  source: AsyncIterable<PreparedTarget>,
  tap: (t: PreparedTarget) => boolean,
): AsyncIterator<PreparedTarget> & Partial<Pick<BufferedSource<PreparedTarget>, 'takeNow'>> {
  const it = source[Symbol.asyncIterator]();
  const tapped: AsyncIterator<PreparedTarget> & Partial<Pick<BufferedSource<PreparedTarget>, 'takeNow'>> = {
    async next() {
      for (;;) {
        const next = await it.next();
        if (next.done === true || tap(next.value)) return next;
      }
    },
  };
  if (isBuffered(it)) {
    tapped.takeNow = () => {
      for (;;) {
        const t = it.takeNow();
        if (t === undefined || tap(t)) return t;
      }
    };
  }
  if (it.return !== undefined) tapped.return = (value) => it.return!(value);
  return tapped;
}
