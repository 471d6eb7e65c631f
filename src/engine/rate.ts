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
 * Answers (not 429) it takes to climb back from a zero rate to the configured one: each gives
 * back 1/RECOVERY_ANSWERS of the configured rate. From half the rate that is 10 answers.
 */
export const RECOVERY_ANSWERS = 20;

/**
 * Paces request starts to a {@link Rate}: a virtual schedule (GCRA, the token bucket written as
 * "the time the next start is due"), so the rate holds over any window longer than a few
 * intervals, however the starts are spread by concurrency or by timer lateness.
 */
export class RateLimiter {
  /** Milliseconds between starts now; never less than {@link configured}. */
  interval: number;
  /** Milliseconds between starts at the configured rate. */
  readonly configured: number;
  /** Times {@link backOff} halved the rate. */
  halvings = 0;
  /** performance.now() at which the next start is due. */
  private next = -Infinity;
  /** When the rate was last halved (-Infinity: never). */
  private cutAt = -Infinity;
  /**
   * The rate now, in 1/RECOVERY_ANSWERS of the configured rate. Halving it and adding 1 are
   * exact in floating point, so after recovering it is the configured rate exactly.
   */
  private level = RECOVERY_ANSWERS;

  /**
   * @throws RangeError for a rate that could never start anything. The run config's reader
   * refuses most; a count so small that `perMs / count` overflows to Infinity (1e-310) gets here.
   */
  constructor(rate: Rate) {
    this.interval = rate.perMs / rate.count;
    if (!(this.interval > 0) || !Number.isFinite(this.interval)) {
      throw new RangeError(`a rate needs count > 0 and perMs > 0, got ${JSON.stringify(rate)}`);
    }
    this.configured = this.interval;
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

  /**
   * The origin answered 429 to a request started at `startedAt`; `now` is the time of the answer.
   * Halves the rate (down to one start a minute) — at most once per window: a request that
   * started before the last halving was sent at the old rate, so its 429 is the same complaint
   * as the one that caused the halving, not news about the new rate (TCP reduces its window once
   * per window of data for the same reason). Returns whether it slowed down.
   */
  backOff(startedAt: number, now: number): boolean {
    if (startedAt < this.cutAt) return false;
    this.cutAt = now;
    const before = this.interval;
    const slowest = Math.max(this.configured, SLOWEST_INTERVAL_MS);
    this.level /= 2;
    this.interval = (this.configured * RECOVERY_ANSWERS) / this.level;
    if (this.interval >= slowest) {
      this.interval = slowest;
      this.level = (this.configured * RECOVERY_ANSWERS) / slowest;
    }
    if (this.interval === before) return false; // already at its slowest
    this.halvings++;
    return true;
  }

  /**
   * The origin answered something other than 429 to a request started at `startedAt`: additive
   * increase — the rate grows by 1/{@link RECOVERY_ANSWERS} of the configured rate, never past
   * it. Answers to requests sent before the last halving say nothing about the new rate.
   */
  recover(startedAt: number): void {
    if (this.level >= RECOVERY_ANSWERS || startedAt < this.cutAt) return;
    this.level = Math.min(RECOVERY_ANSWERS, this.level + 1);
    this.interval =
      this.level === RECOVERY_ANSWERS ? this.configured : (this.configured * RECOVERY_ANSWERS) / this.level;
  }
}
