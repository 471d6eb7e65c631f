/*
 * What src/engine calls, and all it calls, of src/expect: a response checked against an
 * expectation as it streams. The engine reports in the order things happen — {@link checkHead}
 * when the head arrives, a {@link BodyCheck}'s `push` for each piece of the body, {@link checkEnd}
 * when the response completed — and each check that does not hold calls `fail` once, in this
 * order: status, headers (as listed), `bodyIncludes`, `json`, `bodyMatches`, `maxTime`,
 * `certDaysLeft`.
 *
 * Only a {@link BodyCheck} is made per response, and only when the expectation reads the body:
 * a request in flight costs nothing more for checks that look at the head alone (measured: a
 * checker object per exchange made each 48 bytes bigger, 184 → 232).
 */
import { BodyBuffer, checkContent, needsBody } from './body-checks.js';
import { BodyMatcher } from './body-match.js';
import { headerFailure } from './header.js';
import type { Expectation } from './types.js';

export type { Expectation } from './types.js';

/** Where the checks report what did not hold: the exchange. */
export interface FailureSink {
  /** One check did not hold: a short sentence (`status 503 not in 200-399`). */
  fail(text: string): void;
}

/** Whether the expectation counts `status` as ok: such a 429 or 503 is an answer, not a reason to retry. */
export function acceptsStatus(expect: Expectation, status: number): boolean {
  const ranges = expect.status;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i]!;
    if (status >= range[0] && status <= range[1]) return true;
  }
  return false;
}

/**
 * The head arrived: its status, and its fields as a flat list (lower-case name, value, name,
 * value, … in the order received; a header sent twice is checked on its first line).
 */
export function checkHead(expect: Expectation, status: number, fields: readonly string[], to: FailureSink): void {
  if (!acceptsStatus(expect, status)) to.fail(`status ${status} not in ${expect.statusText}`);
  const rules = expect.header;
  if (rules === undefined) return;
  for (const rule of rules) {
    const problem = headerFailure(rule, firstValue(fields, rule.name));
    if (problem !== null) to.fail(problem);
  }
}

/**
 * The response completed: the checks on its whole body (`body`, as {@link BodyCheck.start} gave
 * it; null when the expectation reads none), then the time and the certificate.
 * @param totalMs the whole request's time
 * @param daysLeft days the certificate the response came over is still valid; null without TLS
 */
export function checkEnd(
  expect: Expectation,
  body: BodyCheck | null,
  totalMs: number,
  daysLeft: number | null,
  to: FailureSink,
): void {
  body?.end(to);
  if (expect.maxTime !== undefined && totalMs > expect.maxTime) {
    to.fail(`time ${Math.round(totalMs)} ms > ${expect.maxTime} ms`);
  }
  const min = expect.certDaysLeft;
  if (min === undefined) return;
  if (daysLeft === null) to.fail('no TLS certificate');
  else if (daysLeft < 0) to.fail(`certificate expired ${-daysLeft} days ago (< ${min})`);
  else if (daysLeft < min) to.fail(`certificate expires in ${daysLeft} days (< ${min})`);
}

/**
 * The checks on one response's body text: `bodyIncludes`, searched as the body streams (only the
 * needle's length is kept), and `json` / `bodyMatches`, run at the end on a copy bounded by
 * `maxBodyBuffer` (see {@link hold}).
 */
export class BodyCheck {
  /** The copy of the body for `json` and `bodyMatches`; made by {@link hold}. */
  private buffer: BodyBuffer | null = null;

  private constructor(
    private readonly expect: Expectation,
    private readonly matcher: BodyMatcher | null,
  ) {}

  /** The body checks of one response, or null when the expectation reads no body. */
  static start(expect: Expectation): BodyCheck | null {
    const includes = expect.bodyIncludes;
    if (includes === undefined && !needsBody(expect)) return null;
    return new BodyCheck(expect, includes === undefined ? null : new BodyMatcher(includes));
  }

  /** The checks need a copy of the body (`json`, `bodyMatches`), so the body must be read in full. */
  get holdsBody(): boolean {
    return needsBody(this.expect);
  }

  /**
   * This response's body is the target's (not a redirect followed, nor an attempt retried): keep
   * a copy of it, up to `limit` bytes, for the content checks. Nothing when there are none.
   */
  hold(limit: number): void {
    if (this.holdsBody) this.buffer = new BodyBuffer(limit);
  }

  /**
   * Body bytes as the user sees them (decoded with `compressed`), in order: `chunk[start, end)`.
   * The chunk may be a view of a reused read buffer: what is kept is copied.
   */
  push(chunk: Buffer, start: number, end: number): void {
    this.matcher?.push(chunk, start, end);
    this.buffer?.push(chunk.subarray(start, end));
  }

  /** The body is complete: what did not hold, in order (`bodyIncludes`, `json`, `bodyMatches`). */
  end(to: FailureSink): void {
    if (this.matcher !== null && !this.matcher.found) {
      to.fail(`body does not include ${JSON.stringify(this.expect.bodyIncludes)}`);
    }
    const buffer = this.buffer;
    if (buffer === null) return;
    this.buffer = null;
    for (const failure of checkContent(this.expect, buffer)) to.fail(failure);
  }
}

function firstValue(fields: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === lowerName) return fields[i + 1];
  return undefined;
}
