import type { Exchange } from './exchange.js';
import type { Pool } from './pool.js';

/**
 * Targets read past an origin whose own queue is full: the scheduler keeps reading its
 * source so that a slow or dead origin listed first cannot keep other origins' targets from
 * starting, and holds what it read for the full origin here, in input order per origin, until
 * that origin's queue has room. The scheduler stops reading once {@link size} reaches its bound,
 * so this holds a bounded number of targets, whatever the list.
 */
export class Held {
  private readonly byPool = new Map<Pool, { list: Exchange[]; head: number }>();
  /** Exchanges held, over every origin. */
  size = 0;

  /** Whether `pool` has exchanges held (a new one for it must then queue behind them). */
  has(pool: Pool): boolean {
    return this.byPool.has(pool);
  }

  add(pool: Pool, ex: Exchange): void {
    let queue = this.byPool.get(pool);
    if (queue === undefined) {
      queue = { list: [], head: 0 };
      this.byPool.set(pool, queue);
    }
    queue.list.push(ex);
    this.size++;
  }

  /** Hands each origin's held exchanges to `submit` while `room(pool)` says its queue has room. */
  refill(room: (pool: Pool) => boolean, submit: (pool: Pool, ex: Exchange) => void): void {
    for (const [pool, queue] of this.byPool) {
      while (queue.head < queue.list.length && room(pool)) {
        const ex = queue.list[queue.head]!;
        queue.list[queue.head++] = undefined as never;
        this.size--;
        submit(pool, ex);
      }
      if (queue.head === queue.list.length) this.byPool.delete(pool);
      else if (queue.head > 1024 && queue.head * 2 > queue.list.length) {
        queue.list = queue.list.slice(queue.head);
        queue.head = 0;
      }
    }
  }

  /** Takes every exchange held for `pool` (its origin is skipped), or for every origin. */
  take(pool?: Pool): Exchange[] {
    const out: Exchange[] = [];
    for (const [p, queue] of this.byPool) {
      if (pool !== undefined && p !== pool) continue;
      for (let i = queue.head; i < queue.list.length; i++) out.push(queue.list[i]!);
      this.byPool.delete(p);
    }
    this.size -= out.length;
    return out;
  }
}
