/**
 * The one way into an expectation: every input form is compiled here, once — a target's or a
 * file's `defaults` `expect` object and the library's `expect` option ({@link buildExpectation},
 * {@link readExpectation}), the CLI's --expect flags (./flags.ts, which compiles each flag with
 * the same field readers) — into the {@link Expectation} that ./check.ts checks responses against.
 * What this module compiled is remembered, so it is never validated a second time on its way
 * through the run options.
 */
import type { ExpectObject } from '../types.js';
import type { Expectation } from './types.js';
import { describeValue, isPlainObject, unknownFieldError } from '../describe.js';
import { checkBudget, parseDuration } from '../duration.js';
import { builtExpectation } from './built.js';
import { contentExpectations } from './content.js';
import { buildHeaderRules } from './header.js';
import { parseStatusSpec } from './status.js';

/** Every expectation compiled by this module (and so already checked). */
const compiled = new WeakSet<Expectation>();

function sealed(expect: Expectation): Expectation {
  compiled.add(expect);
  return expect;
}

/** What counts as ok when nobody says otherwise: any final status that is not an error. */
export const DEFAULT_EXPECTATION: Expectation = sealed(
  Object.freeze({
    status: Object.freeze([Object.freeze([200, 399] as const)]),
    statusText: '200-399',
  }),
);

/**
 * The run-wide `expect` option: a status spec (`"2xx"`), an object as a target file's `expect`
 * (`{status: "200-299", maxTime: "1s"}`), or an expectation compiled here already (the CLI's,
 * from its flags), taken as it is. A built expectation from a library caller
 * (`{status: [[200, 299]], statusText: "2xx"}`, once in the public types) is checked field by
 * field (./built.ts). The message of an Error completes "option expect …".
 */
export function readExpectation(value: unknown): Expectation {
  if (typeof value === 'string' || typeof value === 'number') return statusOnly(value);
  if (!isPlainObject(value)) {
    throw new Error(`must be a status spec like "200-299" or an object, got ${describeValue(value)}`);
  }
  if (compiled.has(value as unknown as Expectation)) return value as unknown as Expectation;
  if (Array.isArray(value.status)) return sealed(builtExpectation(value));
  return buildExpectation(value as ExpectObject, DEFAULT_EXPECTATION);
}

/** An expectation of a status spec alone (`--expect 2xx`). @throws Error naming the bad part */
export function statusOnly(spec: string | number): Expectation {
  const parsed = parseStatusSpec(spec);
  return sealed({ status: parsed.ranges, statusText: parsed.text });
}

/**
 * The fields `given` sets (compiled: the CLI's flags), over `fallback`: each replaces the same
 * field of the fallback, as a target's `expect` object does over the run's.
 */
export function withFallback(given: Partial<Expectation>, fallback: Expectation): Expectation {
  return sealed({ ...fallback, ...given });
}

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
  return sealed(result);
}

function wrap<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new Error(`field ${JSON.stringify(field)}: ${(err as Error).message}`, { cause: err });
  }
}
