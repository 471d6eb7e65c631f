import { acceptsStatus, type Expectation } from '../expect/check.js';
import type { ErrorCode, Result } from '../types.js';

/**
 * Errors worth another attempt: the name did not resolve (the engine drops the cached failure
 * first, so the retry asks the resolver again), the connection could not be made or broke
 * before the response was whole, or the server was too slow. Not `tls`, `protocol`,
 * `too_large` or `proxy`: the same server (or proxy) would answer the same way.
 */
const RETRY_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'dns',
  'refused',
  'reset',
  'connect',
  'truncated',
  'timeout',
]);

/** RFC 9110 §15.5.30 / §15.6.3-5: statuses that say "not now" rather than "no". */
export function isRetryStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** Whether a finished attempt deserves another one (the method and the budget are checked by the caller). */
export function isRetryable(result: Result, expect: Expectation): boolean {
  if (result.error !== null) return RETRY_ERRORS.has(result.error.code);
  // A status the target's expectation accepts is an answer the user wanted, not a failure.
  return result.status !== null && isRetryStatus(result.status) && !acceptsStatus(expect, result.status);
}

/**
 * Exponential backoff with full jitter: uniform in [0, min(max, base · 2^(attempt-1))], where
 * `attempt` is the number of the attempt that just failed (1 for the first). Full jitter spreads
 * the retries of many targets that failed together, instead of sending them back in a wave.
 */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * RFC 9110 §10.2.3: `Retry-After` is either delay-seconds (digits) or an HTTP-date. Returns the
 * delay in ms from `nowMs` (a wall-clock time, as the date is), 0 for a date in the past, or null
 * when the value is neither.
 */
export function parseRetryAfter(value: string, nowMs: number): number | null {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a day or month in letters; this keeps Date.parse from reading
  // a bare number like "-1" or "1.5" as a year.
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * The wait before the next attempt: the server's `Retry-After` on a 429 or 503 when it gave a
 * usable one, else the backoff — either way at most `max`.
 */
export function retryWait(
  attempt: number,
  status: number | null,
  retryAfter: string | null,
  base: number,
  max: number,
  random: () => number = Math.random,
): number {
  if (retryAfter !== null && (status === 429 || status === 503)) {
    const asked = parseRetryAfter(retryAfter, Date.now());
    if (asked !== null) return Math.min(asked, max);
  }
  return backoffDelay(attempt, base, max, random);
}
