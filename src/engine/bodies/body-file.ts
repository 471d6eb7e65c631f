import { close, rename, unlink, writev } from 'node:fs';
import { join } from 'node:path';
import { type OutputDir, writeErrorWords } from './output-dir.js';

/**
 * Bytes queued for the disk before the body counts as backlogged (the connection then stops
 * reading its socket until the queue is written): a slow disk slows that one download, and
 * memory stays bounded by this per body in flight.
 */
const HIGH_WATER = 256 * 1024;
/** Reading resumes once the queue is down to this. */
const LOW_WATER = 64 * 1024;

type State = 'open' | 'finishing' | 'done' | 'aborted' | 'failed';

/**
 * One response body being written to its file under the output directory: appended as it
 * streams to a temp file (`.fetch-many-<index>-<run tag>-<n>.tmp`, beside the final name), renamed to
 * the final name once the body is complete. A body that fails, or a write that fails, leaves no
 * file: the temp file is closed and removed.
 */
export class BodyFile {
  /** Over {@link HIGH_WATER} bytes wait for the disk: the caller should stop reading (see onceDrained). */
  backlogged = false;
  /** The final path relative to the output directory, `/`-separated. */
  readonly relative: string;
  private state: State = 'open';
  private queue: Buffer[] = [];
  private queued = 0;
  private fd: number | null = null;
  private dir: string | null = null;
  private temp: string | null = null;
  private writing = false;
  /** The temp file is still being opened: cleanup waits for it. */
  private opening = true;
  private released = false;
  private readonly finalName: string;
  private drained: Array<() => void> = [];
  private onFinish: ((err: Error | null) => void) | null = null;

  /**
   * @param components the final name, directories then file, each already safe
   * @param onError    a write failure while the body is still arriving (during {@link finish} it
   *                   goes to finish's callback instead); the message names the path and the errno
   */
  constructor(
    private readonly out: OutputDir,
    components: readonly string[],
    index: number,
    private readonly onError: (message: string) => void,
  ) {
    this.relative = components.join('/');
    this.finalName = components[components.length - 1]!;
    out.hold();
    out
      .dir(components.slice(0, -1))
      .then((dir) => {
        this.dir = dir;
        return out.openTemp(dir, index);
      })
      .then(
        ({ fd, path }) => {
          this.opening = false;
          this.fd = fd;
          this.temp = path;
          if (this.state === 'aborted' || this.state === 'failed') this.cleanup();
          else this.pump();
        },
        (err: unknown) => {
          this.opening = false;
          this.fail(err);
        },
      );
  }

  /** Queues body bytes (kept, not copied: callers hand over buffers nobody else writes to). */
  push(chunk: Buffer): void {
    if (this.state !== 'open' || chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER) this.backlogged = true;
    this.pump();
  }

  /** Calls `fn` once the queue is low again (at once if it is not backlogged). */
  onceDrained(fn: () => void): void {
    if (!this.backlogged) fn();
    else this.drained.push(fn);
  }

  /** The body is complete: write the rest, close, rename; then `callback` (with the write error, if any). */
  finish(callback: (err: Error | null) => void): void {
    if (this.state !== 'open') {
      callback(this.state === 'done' ? null : new Error(`cannot write ${this.out.shown(this.relative)}`));
      return;
    }
    this.state = 'finishing';
    this.onFinish = callback;
    this.pump();
  }

  /** The body failed (timeout, reset, cancelled…): remove what was written. No callback follows. */
  abort(): void {
    if (this.state === 'done' || this.state === 'aborted' || this.state === 'failed') return;
    this.state = 'aborted';
    this.onFinish = null;
    this.queue = [];
    this.wakeDrained();
    if (!this.writing) this.cleanup();
  }

  private pump(): void {
    const fd = this.fd;
    if (fd === null || this.writing) return;
    if (this.queue.length === 0) {
      if (this.state === 'finishing') this.complete(fd);
      return;
    }
    const buffers = this.queue;
    this.queue = [];
    this.writing = true;
    writev(fd, buffers, (err, written) => {
      this.writing = false;
      if (this.state === 'aborted') {
        this.cleanup();
        return;
      }
      const total = buffers.reduce((n, b) => n + b.length, 0);
      if (err !== null || (written === 0 && total > 0)) {
        // A write that takes nothing and says nothing would loop forever: treat it as an I/O error.
        this.fail(err ?? Object.assign(new Error('the file system took no bytes'), { code: 'EIO' }));
        return;
      }
      this.queued -= written;
      // A short write (rare on files, possible when the disk fills up): the rest goes first next time.
      if (written < total) this.queue.unshift(...remainder(buffers, written));
      if (this.backlogged && this.queued <= LOW_WATER) {
        this.backlogged = false;
        this.wakeDrained();
      }
      this.pump();
    });
  }

  private complete(fd: number): void {
    this.writing = true;
    // Still where it was opened (its directory not moved or swapped since): else it is not put
    // in place, and is removed from wherever it now is.
    this.out.checkPlace(fd, this.temp!).then(
      () => this.closeAndRename(fd),
      (err: unknown) => {
        this.writing = false;
        const actual = (err as { actual?: string }).actual;
        if (actual !== undefined) this.temp = actual;
        this.fail(err);
      },
    );
  }

  private closeAndRename(fd: number): void {
    this.fd = null;
    close(fd, (closeErr) => {
      if (closeErr !== null || this.state === 'aborted') {
        // Aborted while closing (the run was cancelled, the deadline passed): no rename.
        this.writing = false;
        if (closeErr !== null) this.fail(closeErr);
        else this.cleanup();
        return;
      }
      rename(this.temp!, join(this.dir!, this.finalName), (renameErr) => {
        this.writing = false;
        if (renameErr !== null) {
          this.fail(renameErr);
          return;
        }
        this.temp = null;
        this.state = 'done';
        this.release();
        const onFinish = this.onFinish;
        this.onFinish = null;
        onFinish?.(null);
      });
    });
  }

  private fail(err: unknown): void {
    if (this.state === 'done' || this.state === 'aborted' || this.state === 'failed') {
      this.cleanup();
      return;
    }
    this.state = 'failed';
    this.queue = [];
    this.wakeDrained();
    const message = `cannot write ${this.out.shown(this.relative)}: ${writeErrorWords(err)}`;
    const onFinish = this.onFinish;
    this.onFinish = null;
    this.cleanup();
    if (onFinish !== null) onFinish(new Error(message));
    else this.onError(message);
  }

  /** Closes the descriptor and removes the temp file, whichever exist; then the disk work is over. */
  private cleanup(): void {
    if (this.writing || this.opening) return;
    const fd = this.fd;
    const temp = this.temp;
    this.fd = null;
    this.temp = null;
    const removeTemp = (): void => {
      if (temp === null) this.release();
      else unlink(temp, () => this.release());
    };
    if (fd === null) removeTemp();
    else close(fd, () => removeTemp());
  }

  private wakeDrained(): void {
    const waiting = this.drained;
    this.drained = [];
    for (const fn of waiting) fn();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.out.release();
  }
}

/** What is left of `buffers` after the first `written` bytes. */
function remainder(buffers: readonly Buffer[], written: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = written;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    rest.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return rest;
}
