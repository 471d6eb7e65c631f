/**
 * What the engine pulls targets from, besides plain iterables: an async source that can also
 * hand over, without a promise, a target it already holds (a line read in the same chunk as the
 * one before). The CLI's target stream is one; with it a run takes each target in a plain call
 * instead of an `await` through every layer of async iteration (a promise per target), and awaits only when
 * the source really has to wait (for input, or for output to drain).
 */
export interface BufferedSource<T> extends AsyncIterator<T> {
  /**
   * The next item when it is ready now; undefined when it is not (the caller then awaits
   * `next()`, which also says when the source has ended). May throw, as `next()` may reject.
   */
  takeNow(): T | undefined;
}

export function isBuffered<T>(iterator: AsyncIterator<T>): iterator is BufferedSource<T> {
  return typeof (iterator as Partial<BufferedSource<T>>).takeNow === 'function';
}
