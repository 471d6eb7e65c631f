import type { Rate } from '../types.js';

/**
 * How far behind its schedule a limiter may be and still catch up. Timers fire late (1 ms at
 * best, more on a busy loop); without this slack every late wake-up would push the whole schedule
 * back and a 50/s limit would run at 45/s. With it, a limiter that was idle (or held back by
 * `concurrency`) allows at most a small burst: `1 + floor(SLACK_MS / interval)` starts at once.
 */
export const SLACK_MS = 20;

/** The slowest a 429 can push a per-host rate: one request a minute. */
const SLOWEST_INTERVAL_MS = 60_000;

/**
 * Paces request starts to a {@link Rate}: a virtual schedule (GCRA, the token bucket written as
 * "the time the next start is due"), so the rate holds over any window longer than a few
 * intervals, however the starts are spread by concurrency or by timer lateness.
 */
export class RateLimiter {
  /** Milliseconds between starts. */
  interval: number;
  /** performance.now() at which the next start is due. */
  private next = -Infinity;

  /** @throws RangeError for a rate that could never start anything (the CLI validates; the library may not). */
  constructor(rate: Rate) {
    this.interval = rate.perMs / rate.count;
    if (!(this.interval > 0) || !Number.isFinite(this.interval)) {
      throw new RangeError(`a rate needs count > 0 and perMs > 0, got ${JSON.stringify(rate)}`);
    }
  }

  /** Milliseconds until a start is allowed; 0 when one is allowed now. */
  wait(now: number): number {
    return this.next > now ? this.next - now : 0;
  }

  /** Records a start at `now` (call only when {@link wait} returned 0). */
  take(now: number): void {
    const from = Math.max(this.next, now - SLACK_MS);
    this.next = from + this.interval;
  }

  /** Halves the rate (a 429 from the origin), down to one start a minute. */
  halve(): void {
    this.interval = Math.min(this.interval * 2, Math.max(this.interval, SLOWEST_INTERVAL_MS));
  }
}
