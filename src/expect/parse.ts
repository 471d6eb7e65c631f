import type { ExpectObject } from '../types.js';
import type { Expectation } from './types.js';
import { describeValue, isPlainObject, unknownFieldError } from '../describe.js';
import { checkBudget, parseDuration } from '../duration.js';
import { contentExpectations } from './content.js';
import { buildHeaderRules } from './header.js';
import { parseStatusSpec } from './status.js';

/** What counts as ok when nobody says otherwise: any final status that is not an error. */
export const DEFAULT_EXPECTATION: Expectation = Object.freeze({
  status: Object.freeze([Object.freeze([200, 399] as const)]),
  statusText: '200-399',
});

const EXPECT_FIELDS: ReadonlySet<string> = new Set([
  'status',
  'maxTime',
  'bodyIncludes',
  'header',
  'certDaysLeft',
  'json',
  'bodyMatches',
]);

/**
 * Builds a target's expectation from its JSON `expect` object. Each field the object gives
 * replaces the same field of `fallback` (the run-wide or defaults expectation); fields it leaves
 * out keep the fallback's value, so `{"expect": {"maxTime": "1s"}}` still checks the run's status.
 * @throws Error naming the field (`field "expect.status": …`).
 */
export function buildExpectation(obj: ExpectObject | undefined, fallback: Expectation): Expectation {
  if (obj === undefined) return fallback;
  if (!isPlainObject(obj)) throw new Error(`field "expect" must be an object, got ${describeValue(obj)}`);
  const unknown = unknownFieldError(obj, EXPECT_FIELDS, 'expect.');
  if (unknown !== null) throw new Error(unknown);

  const result: Expectation = { ...fallback };
  const { status, maxTime, bodyIncludes, header, certDaysLeft } = obj as Record<string, unknown>;
  if (status !== undefined) {
    if (typeof status !== 'string' && typeof status !== 'number') {
      throw new Error(`field "expect.status" must be a status spec like "200-299", got ${describeValue(status)}`);
    }
    const spec = wrap('expect.status', () => parseStatusSpec(status));
    result.status = spec.ranges;
    result.statusText = spec.text;
  }
  if (maxTime !== undefined) {
    if (typeof maxTime !== 'string' && typeof maxTime !== 'number') {
      throw new Error(
        `field "expect.maxTime" must be a duration like "2s" or a number of milliseconds, got ${describeValue(maxTime)}`,
      );
    }
    result.maxTime = wrap('expect.maxTime', () => checkBudget(maxTime, parseDuration(maxTime)));
  }
  if (bodyIncludes !== undefined) {
    if (typeof bodyIncludes !== 'string' || bodyIncludes === '') {
      throw new Error(`field "expect.bodyIncludes" must be a non-empty string, got ${describeValue(bodyIncludes)}`);
    }
    result.bodyIncludes = bodyIncludes;
  }
  if (certDaysLeft !== undefined) {
    if (typeof certDaysLeft !== 'number' || !Number.isSafeInteger(certDaysLeft) || certDaysLeft < 0) {
      throw new Error(
        `field "expect.certDaysLeft" must be a whole number of days (0 or more), got ${describeValue(certDaysLeft)}`,
      );
    }
    result.certDaysLeft = certDaysLeft;
  }
  contentExpectations(obj as Record<string, unknown>, result);
  if (header !== undefined) {
    const list = buildHeaderRules(header);
    if (list.length > 0) result.header = list;
    else delete result.header;
  }
  return result;
}

function wrap<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new Error(`field ${JSON.stringify(field)}: ${(err as Error).message}`, { cause: err });
  }
}
