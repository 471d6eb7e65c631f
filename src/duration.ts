import { describeValue, quote } from './describe.js';

/**
 * Durations: one rule everywhere.
 *
 * - A number (library options, target objects, JSON target files) is **milliseconds**, as in
 *   Node's own timeouts: `timeout: 1000` is one second in the options and in a target alike.
 * - A string carries its unit: `"250ms"`, `"2s"`, `"1.5m"`, `"1h"` — everywhere. A string without
 *   one (`"5"`) is refused in files and the library, where it once meant seconds.
 * - On the command line a value is text, and a bare number there is seconds, as curl's
 *   `--max-time 1.5`; but one that reads as milliseconds (100 or more: `--timeout 1000` would wait
 *   17 minutes) is refused with a hint, `did you mean 1000ms?` ({@link parseFlagDuration}).
 * - A budget (a timeout, `expect.maxTime`) given as a number under {@link MIN_BUDGET_NUMBER} is
 *   refused too: `"timeout": 5` meant 5 s before numbers were milliseconds, and 5 ms is not a
 *   timeout anyone means; `"5ms"` says it on purpose ({@link checkBudget}).
 */

/**
 * Node keeps timer delays in a signed 32-bit int: anything longer than 2^31-1 ms is silently
 * turned into 1 ms (with a TimeoutOverflowWarning). A "30d" timeout firing at once would be a
 * nasty surprise, so such durations are rejected here instead.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/** A bare number on the command line from this up reads as milliseconds, and is refused. */
export const MIN_AMBIGUOUS_SECONDS = 100;
/** A budget given as a number of ms below this reads as seconds, and is refused. */
export const MIN_BUDGET_NUMBER = 10;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?$/;
const HINT = '(use e.g. 250ms, 2s, 1.5m)';

/**
 * Parses a duration into whole milliseconds (rounded): a number is milliseconds; a string needs
 * its unit (`"250ms"`, `"2s"`, `"1.5m"`, `"1h"`). Durations are used for timeouts, so zero and
 * negatives are rejected, as are values that round to 0 ms.
 * @throws Error with a one-line message naming the value.
 */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return inRange(value, String(value));
  if (typeof value !== 'string') throw new Error(`invalid duration ${String(value)} ${HINT}`);
  const match = DURATION.exec(value.trim().toLowerCase());
  if (match === null) throw new Error(`invalid duration ${quote(value)} ${HINT}`);
  const unit = match[2] as keyof typeof UNIT_MS | undefined;
  if (unit === undefined) {
    const n = match[1] ?? '';
    throw new Error(
      `invalid duration ${quote(value)}: give a unit, "${n}s" or "${n}ms" (a number, ${n}, is milliseconds)`,
    );
  }
  return inRange(Number(match[1]) * UNIT_MS[unit], quote(value));
}

/**
 * A duration typed on the command line: with a unit as everywhere, or a bare number of seconds
 * (curl's `--max-time 1.5`) below {@link MIN_AMBIGUOUS_SECONDS}; from there up the number reads
 * as milliseconds and is refused with the hint.
 */
export function parseFlagDuration(text: string): number {
  const match = DURATION.exec(text.trim().toLowerCase());
  if (match === null || match[2] !== undefined) return parseDuration(text);
  const n = match[1] ?? '';
  const seconds = Number(n);
  if (seconds >= MIN_AMBIGUOUS_SECONDS) {
    throw new Error(
      `${quote(text)} is a bare number, which is seconds on the command line (${minutes(seconds)}): did you mean ${n}ms? (write ${n}s if not)`,
    );
  }
  return inRange(seconds * 1000, quote(text));
}

/**
 * A budget (a timeout, `expect.maxTime`) given as a number: under {@link MIN_BUDGET_NUMBER} ms it
 * is refused as most likely meant in seconds. Strings pass: `"5ms"` is on purpose.
 */
export function checkBudget(value: unknown, ms: number): number {
  if (typeof value === 'number' && value < MIN_BUDGET_NUMBER) {
    throw new Error(
      `${value} is ${value} ms (a number is milliseconds); did you mean "${value}s"? Write "${value}ms" if not`,
    );
  }
  return ms;
}

/**
 * A duration option's value (the run options, a built expectation's `maxTime`): whole ms, at
 * least 1. A number is milliseconds; a string carries its unit ({@link parseDuration}). The
 * message completes "<option> …".
 */
export function readDuration(value: unknown): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 1 || value > MAX_DURATION_MS) {
      throw new Error(`must be a number of milliseconds from 1 to ${MAX_DURATION_MS}, got ${describeValue(value)}`);
    }
    return Math.round(value);
  }
  if (typeof value !== 'string') {
    throw new Error(
      `must be a duration like "250ms" or "2s", or a number of milliseconds, got ${describeValue(value)}`,
    );
  }
  // parseDuration's message already names and quotes the value.
  return parseDuration(value);
}

/** A budget option's value: a {@link readDuration}, and a number under 10 refused ({@link checkBudget}). */
export function readBudget(value: unknown): number {
  return checkBudget(value, readDuration(value));
}

function minutes(seconds: number): string {
  const m = seconds / 60;
  return m < 120 ? `${Number(m.toFixed(1))} minutes` : `${Number((m / 60).toFixed(1))} hours`;
}

function inRange(ms: number, shown: string): number {
  if (!Number.isFinite(ms)) throw new Error(`invalid duration ${shown} ${HINT}`);
  if (ms <= 0) throw new Error(`invalid duration ${shown}: must be greater than 0`);
  const rounded = Math.round(ms);
  if (rounded < 1) throw new Error(`invalid duration ${shown}: shorter than 1ms`);
  if (rounded > MAX_DURATION_MS) {
    throw new Error(`invalid duration ${shown}: longer than ${MAX_DURATION_MS}ms (about 24.8 days)`);
  }
  return rounded;
}
