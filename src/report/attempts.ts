import type { AttemptFailure, Result } from '../types.js';

/** What went wrong on one earlier attempt, in one line: `refused: …`, or `status 503 not in 200-399`. */
export function attemptProblem(a: AttemptFailure): string {
  if (a.error !== null) return `${a.error.code}: ${a.error.message}`;
  if (a.failures.length > 0) return a.failures.join('; ');
  return a.status === null ? 'not ok' : `status ${a.status}`;
}

/** `ok after 3 attempts`: the row text of a flaky target (ok only after retries). */
export function flakyText(r: Result): string {
  return `ok after ${r.attempts} attempts`;
}

/** Each earlier attempt of a flaky target as `attempt 1: refused: …`, in order. */
export function earlierAttempts(r: Result): string[] {
  return (r.retried ?? []).map((a, i) => `attempt ${i + 1}: ${attemptProblem(a)}`);
}
