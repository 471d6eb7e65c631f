import type { SourceItem } from '../targets/read/source-item.js';

/**
 * Items found by an input that reads as it goes (a sitemap arriving over the network, pages of a
 * crawl), handed to the target stream in batches: whatever has been found since the stream last
 * asked. The stream waits when nothing is queued and the producer has not {@link end}ed.
 * Producers that can wait (a sitemap being read) call {@link room} to keep the queue bounded.
 */
export class ItemQueue {
  private items: SourceItem[] = [];
  private ended = false;
  private reader: (() => void) | null = null;
  private roomWaiters: Array<() => void> = [];
  /** Set by `return()`: the run stopped taking targets (cancelled, or its reader went away). */
  closed = false;

  constructor(
    /** Queued items above which {@link room} waits. */
    private readonly highWater = 10_000,
    /** Called once when the reader stops early (so producers stop reading). */
    private readonly onClose: () => void = () => {},
  ) {}

  get size(): number {
    return this.items.length;
  }

  push(item: SourceItem): void {
    if (this.ended || this.closed) return;
    this.items.push(item);
    this.wake();
  }

  /** No more items will come. */
  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Resolves when the queue is below its high-water mark (at once if it is, or if the reader left). */
  room(): Promise<void> {
    if (this.items.length < this.highWater || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** The batches, for the target stream. */
  batches(): AsyncIterator<SourceItem[]> & AsyncIterable<SourceItem[]> {
    const next = async (): Promise<IteratorResult<SourceItem[]>> => {
      for (;;) {
        if (this.items.length > 0) {
          const batch = this.items;
          this.items = [];
          const waiters = this.roomWaiters;
          this.roomWaiters = [];
          for (const resolve of waiters) resolve();
          return { done: false, value: batch };
        }
        if (this.ended || this.closed) return { done: true, value: undefined };
        await new Promise<void>((resolve) => {
          this.reader = resolve;
        });
      }
    };
    const stop = async (): Promise<IteratorResult<SourceItem[]>> => {
      if (!this.closed) {
        this.closed = true;
        this.items = [];
        for (const resolve of this.roomWaiters.splice(0)) resolve();
        this.onClose();
      }
      return { done: true, value: undefined };
    };
    const iterator = { next, return: stop, [Symbol.asyncIterator]: () => iterator };
    return iterator;
  }

  private wake(): void {
    const reader = this.reader;
    this.reader = null;
    reader?.();
  }
}
