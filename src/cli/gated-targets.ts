import type { BufferedSource } from '../engine/source.js';
import type { PreparedTarget } from '../types.js';
import { InputReadError } from '../targets/read/sources.js';
import { EnvVariableError, ListChangedError } from '../targets/index.js';

/**
 * The CLI's target loop: counts every target it hands to the engine, and holds the next one back
 * while an output is over its high-water mark (so a slow reader bounds memory instead of
 * growing it). The source is gated, not the engine, which already waits on a slow source (stdin)
 * the same way. When the input breaks mid-run (a reset stdin socket, a `--resume` list found
 * changed) the targets read so far still run: the stream just ends, and {@link readError} says why.
 *
 * A {@link BufferedSource}: while the outputs keep up and the source holds targets already read,
 * {@link takeNow} hands the next one over in a plain call (no promise per target).
 */
export class GatedTargets implements BufferedSource<PreparedTarget>, AsyncIterable<PreparedTarget> {
  /** Targets handed to the engine so far. */
  count = 0;
  /** Why the input ended early, or null. */
  readError: InputReadError | ListChangedError | EnvVariableError | null = null;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<PreparedTarget> & Partial<Pick<BufferedSource<PreparedTarget>, 'takeNow'>>,
    /** Null while the outputs keep up; else a promise that resolves when they have caught up. */
    private readonly ready: () => Promise<void> | null,
    /** Called once when the input ended (read whole, or broken), with {@link count}. */
    private readonly onEnd: (count: number) => void,
    /** Sees every target handed over. */
    private readonly onTarget?: (target: PreparedTarget) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  takeNow(): PreparedTarget | undefined {
    if (this.ended || this.source.takeNow === undefined || this.ready() !== null) return undefined;
    let target: PreparedTarget | undefined;
    try {
      target = this.source.takeNow();
    } catch (err) {
      this.broke(err);
      return undefined;
    }
    if (target !== undefined) {
      this.count++;
      this.onTarget?.(target);
    }
    return target;
  }

  async next(): Promise<IteratorResult<PreparedTarget>> {
    if (this.ended) return { done: true, value: undefined };
    let next: IteratorResult<PreparedTarget>;
    try {
      next = await this.source.next();
    } catch (err) {
      this.broke(err);
      return { done: true, value: undefined };
    }
    if (next.done === true) {
      this.ended = true;
      this.onEnd(this.count);
      return next;
    }
    this.count++;
    this.onTarget?.(next.value);
    const wait = this.ready();
    if (wait !== null) await wait;
    return next;
  }

  /** A cancelled run stops reading: the source is released. */
  async return(): Promise<IteratorResult<PreparedTarget>> {
    this.ended = true;
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  /** The input broke: what was read still runs and the run's reports close; anything else is a bug, thrown on. */
  private broke(err: unknown): void {
    if (!(err instanceof InputReadError || err instanceof ListChangedError || err instanceof EnvVariableError))
      throw err;
    this.ended = true;
    this.readError = err;
    this.onEnd(this.count);
  }
}
