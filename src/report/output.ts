/** Default flush threshold: big enough to amortize syscalls, small enough to stay in L2. */
const DEFAULT_FLUSH_AT = 64 * 1024;
/**
 * Default high-water mark: 1 Mi UTF-16 units buffered (ours plus the stream's own) before
 * {@link Output.ready} asks the producer to stop. Enough to keep a fast reader busy between
 * two event-loop turns; small against the 2.5 GiB a stalled reader once cost.
 */
const DEFAULT_HIGH_WATER = 1024 * 1024;

export interface OutputOptions {
  /** Hand the buffer to the stream once it holds this many UTF-16 units. @default 65536 */
  flushAt?: number;
  /**
   * {@link Output.ready} returns a promise (stop producing) once this many units wait, ours and
   * the stream's together; it resolves when half of that is left. @default 1048576
   */
  highWater?: number;
}

/**
 * Batched, backpressure-aware writer that every reporter writes through.
 *
 * - Strings accumulate and go to the stream in one `write()` at ~64 KiB or on the next
 *   `setImmediate`, so a million small lines do not cost a million syscalls.
 * - When the stream's `write()` returns false we wait for `'drain'` before the next write and keep
 *   accumulating meanwhile. Accumulating alone would let a slow reader grow memory without bound
 *   (2M results, a reader asleep 25 s: 2.5 GiB, then `Invalid string length`), so {@link ready}
 *   tells the producer to stop once {@link buffered} passes the high-water mark; the CLI stops
 *   taking targets from the source until it resolves.
 * - EPIPE (the reader went away: `fetch-many … | head -3`) is not an error for a reporter: we stop
 *   writing silently and set {@link closed}. Other stream errors also stop writing; {@link flush}
 *   then rejects with the first of them so the CLI can say what happened.
 *
 * The 'error' listener added here is what keeps an EPIPE on process.stdout from becoming an
 * uncaught exception.
 */
export class Output {
  readonly stream: NodeJS.WritableStream;
  readonly #flushAt: number;
  readonly #highWater: number;
  #pending = '';
  /** Resolvers of {@link ready} promises, settled once {@link buffered} falls to half the high-water mark. */
  #readyWaiters: Array<() => void> = [];
  #immediate: NodeJS.Immediate | null = null;
  #waitingDrain = false;
  /** Writes handed to the stream whose callback has not run yet. */
  #inFlight = 0;
  #closed = false;
  #error: Error | null = null;
  #waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(stream: NodeJS.WritableStream, options: OutputOptions = {}) {
    this.stream = stream;
    this.#flushAt = options.flushAt ?? DEFAULT_FLUSH_AT;
    this.#highWater = options.highWater ?? DEFAULT_HIGH_WATER;
    stream.on('error', this.#onError);
  }

  /** True once the stream failed or the reader went away; later writes are dropped. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Terminal width when the stream is a TTY, else undefined. */
  get columns(): number | undefined {
    const s = this.stream as Partial<NodeJS.WriteStream>;
    return s.isTTY === true && typeof s.columns === 'number' && s.columns > 0 ? s.columns : undefined;
  }

  /**
   * Text written but not yet taken by the OS: what we hold plus what the stream holds (its
   * `writableLength`, in bytes for a byte stream; close enough to units for a bound).
   */
  get buffered(): number {
    const inStream = (this.stream as Partial<{ writableLength: number }>).writableLength;
    return this.#pending.length + (typeof inStream === 'number' ? inStream : 0);
  }

  /**
   * Null when the producer may go on; otherwise a promise that resolves once {@link buffered}
   * fell to half the high-water mark, or the stream closed (nothing more will be written, so
   * nothing is gained by waiting). Writing never blocks: this is how the producer slows down.
   */
  ready(): Promise<void> | null {
    if (this.#closed || this.buffered < this.#highWater) return null;
    return new Promise<void>((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Queues text. Never throws, never blocks. */
  write(text: string): void {
    if (this.#closed || text.length === 0) return;
    this.#pending += text;
    if (this.#pending.length >= this.#flushAt) this.#writeNow();
    else if (this.#immediate === null) this.#immediate = setImmediate(this.#onImmediate);
  }

  /** Resolves once everything written so far has been handed to the OS (or the stream closed). */
  flush(): Promise<void> {
    this.#cancelImmediate();
    this.#writeNow();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#settleIfIdle();
    });
  }

  /**
   * Flushes, then ends the underlying stream and waits for it to finish. For file streams the
   * Output owns; never call this for process.stdout/stderr.
   */
  async end(): Promise<void> {
    await this.flush();
    if (this.#closed) return;
    await new Promise<void>((resolve) => this.stream.end(resolve));
  }

  /**
   * Stops listening to the stream's errors, after a last {@link flush}: for a stream that outlives
   * this Output (stdout, across the rounds of `--every`), where each Output's listener would
   * otherwise stay on it for the life of the process.
   */
  detach(): void {
    this.stream.removeListener('error', this.#onError);
  }

  readonly #onImmediate = (): void => {
    this.#immediate = null;
    this.#writeNow();
  };

  #cancelImmediate(): void {
    if (this.#immediate !== null) {
      clearImmediate(this.#immediate);
      this.#immediate = null;
    }
  }

  #writeNow(): void {
    if (this.#closed || this.#waitingDrain || this.#pending.length === 0) return;
    const chunk = this.#pending;
    this.#pending = '';
    this.#inFlight++;
    let more: boolean;
    try {
      more = this.stream.write(chunk, this.#onWritten);
    } catch (err) {
      // A stream destroyed synchronously may throw instead of emitting.
      this.#inFlight--;
      this.#fail(err);
      return;
    }
    if (!more && !this.#closed) {
      this.#waitingDrain = true;
      this.stream.once('drain', this.#onDrain);
    }
  }

  readonly #onWritten = (err?: Error | null): void => {
    this.#inFlight--;
    if (err) this.#fail(err);
    this.#settleIfIdle();
    this.#releaseProducer();
  };

  readonly #onDrain = (): void => {
    this.#waitingDrain = false;
    this.#writeNow();
    this.#settleIfIdle();
    this.#releaseProducer();
  };

  #releaseProducer(): void {
    if (this.#readyWaiters.length === 0) return;
    if (!this.#closed && this.buffered > this.#highWater / 2) return;
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve();
  }

  readonly #onError = (err: unknown): void => {
    this.#fail(err);
  };

  #fail(err: unknown): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#pending = '';
      this.#cancelImmediate();
      this.stream.removeListener('drain', this.#onDrain);
      if (!isReaderGone(err)) this.#error = err instanceof Error ? err : new Error(String(err));
    }
    this.#settleIfIdle();
    this.#releaseProducer();
  }

  #settleIfIdle(): void {
    const idle = this.#closed || (this.#pending.length === 0 && this.#inFlight === 0 && !this.#waitingDrain);
    if (!idle || this.#waiters.length === 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (this.#error === null) w.resolve();
      else w.reject(this.#error);
    }
  }
}

/**
 * EPIPE: the reading end closed. ERR_STREAM_DESTROYED: a write raced the destroy that followed
 * it. Neither is worth reporting: nobody is left to read the output.
 */
function isReaderGone(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}
