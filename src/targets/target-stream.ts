import type { PreparedTarget } from '../types.js';
import type { SourceItem } from './read/source-item.js';

/**
 * Prepared targets from a source's batches of raw items (one batch per chunk read), one at a
 * time. {@link takeNow} hands over the next one while a batch already read still holds some —
 * a plain call, no promise — and {@link next} awaits the next batch when none is left. The engine
 * takes targets through `takeNow` (engine/source.ts), so a target costs no trip through async
 * iteration; `for await` and any other reader see an ordinary async iterator.
 */
export class TargetStream implements AsyncIterableIterator<PreparedTarget> {
  private batch: readonly SourceItem[] = [];
  private at = 0;
  private finished = false;
  /** The `next()` in progress: a second call waits for it, as an async generator's would. */
  private pending: Promise<IteratorResult<PreparedTarget>> | null = null;
  /** A target still being finished (its `bodyFile` measured): nothing after it is handed over first. */
  private held: Promise<PreparedTarget> | null = null;

  constructor(
    private readonly batches: AsyncIterator<SourceItem[]>,
    /**
     * The target an item makes, or null when it is not selected; may throw (ending the stream).
     * A promise for a target that needs a file looked at first (`bodyFile`): {@link takeNow} then
     * hands over nothing until {@link next} has awaited it. It must not reject.
     */
    private readonly prepare: (item: SourceItem) => PreparedTarget | Promise<PreparedTarget> | null,
    /** Called once when the batches ended; may throw (ending the stream with that error). */
    private readonly atEnd: () => void = () => {},
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  takeNow(): PreparedTarget | undefined {
    if (this.held !== null) return undefined;
    while (this.at < this.batch.length) {
      const item = this.batch[this.at++]!;
      let target: PreparedTarget | Promise<PreparedTarget> | null;
      try {
        target = this.prepare(item);
      } catch (err) {
        this.stop();
        throw err;
      }
      if (target instanceof Promise) {
        this.held = target;
        return undefined;
      }
      if (target !== null) return target;
    }
    return undefined;
  }

  next(): Promise<IteratorResult<PreparedTarget>> {
    const before = this.pending;
    const result =
      before === null
        ? this.pull()
        : before.then(
            () => this.pull(),
            () => this.pull(),
          );
    this.pending = result;
    const clear = (): void => {
      if (this.pending === result) this.pending = null;
    };
    result.then(clear, clear);
    return result;
  }

  /** Stops early (a cancelled run): the source is released, as `break` in `for await` would. */
  async return(): Promise<IteratorResult<PreparedTarget>> {
    this.held = null;
    if (!this.finished) {
      this.finished = true;
      this.batch = [];
      await this.batches.return?.();
    }
    return { done: true, value: undefined };
  }

  private async pull(): Promise<IteratorResult<PreparedTarget>> {
    for (;;) {
      const now = this.takeNow();
      if (now !== undefined) return { done: false, value: now };
      const held = this.held;
      if (held !== null) {
        const target = await held;
        // Released meanwhile (a cancelled run): what arrives after is not handed over.
        if (this.held !== held) return { done: true, value: undefined };
        this.held = null;
        return { done: false, value: target };
      }
      if (this.finished) return { done: true, value: undefined };
      let read: IteratorResult<SourceItem[]>;
      try {
        read = await this.batches.next();
      } catch (err) {
        // A source whose read failed has ended by itself; nothing to release.
        this.finished = true;
        throw err;
      }
      if (this.finished) return { done: true, value: undefined };
      if (read.done === true) {
        this.finished = true;
        this.atEnd();
        return { done: true, value: undefined };
      }
      this.batch = read.value;
      this.at = 0;
    }
  }

  /** Ends the stream early and releases the source (its generators' `finally` blocks run). */
  private stop(): void {
    this.finished = true;
    this.batch = [];
    this.at = 0;
    this.held = null;
    this.batches.return?.().catch(() => {});
  }
}
