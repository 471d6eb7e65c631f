import type { ErrorCode, Result } from '../types.js';

/** The errors that say an origin cannot be reached or does not answer (`maxHostErrors`). */
const CONNECTION_LEVEL: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'dns',
  'refused',
  'reset',
  'connect',
  'tls',
  'timeout',
  'truncated',
]);

interface Streak {
  count: number;
  codes: Map<ErrorCode, number>;
  last: string;
}

/**
 * `maxHostErrors` (httpx's `-maxhr`): counts each origin's connection-level errors and timeouts in
 * a row; any response from the origin starts its count again. Once an origin reaches the limit it
 * is skipped for the rest of the run, with the reason kept to name in each skipped result. Keyed
 * by the origin's key, not its pool: a pool with nothing left is dropped and may be made again.
 */
export class HostErrors {
  private readonly streaks = new Map<string, Streak>();
  private readonly skipped = new Map<string, string>();

  constructor(private readonly limit: number) {}

  /** Why `origin` is skipped, or undefined while it is not. */
  reason(origin: string): string | undefined {
    return this.skipped.get(origin);
  }

  /** Counts `result` for `origin`; returns the reason when this result makes the origin skipped. */
  record(origin: string, label: string, result: Result): string | null {
    const code = result.error?.code;
    if (code === undefined || !CONNECTION_LEVEL.has(code)) {
      if (result.status !== null) this.streaks.delete(origin);
      return null;
    }
    if (this.skipped.has(origin)) return null;
    let streak = this.streaks.get(origin);
    if (streak === undefined) {
      streak = { count: 0, codes: new Map(), last: '' };
      this.streaks.set(origin, streak);
    }
    streak.count++;
    streak.codes.set(code, (streak.codes.get(code) ?? 0) + 1);
    streak.last = result.error?.message ?? '';
    if (streak.count < this.limit) return null;
    this.streaks.delete(origin);
    const codes = [...streak.codes].map(([c, n]) => `${n} ${c}`).join(', ');
    const reason = `${label} skipped after ${streak.count} connection errors or timeouts in a row (${codes}; last: ${streak.last})`;
    this.skipped.set(origin, reason);
    return reason;
  }
}
