import { isPlainObject, quote } from '../describe.js';
import { readBudget } from '../duration.js';
import { headerRule } from './header.js';
import { linearRegex } from './regex.js';
import type { Expectation } from './types.js';

/**
 * An {@link Expectation} a library caller built, checked field by field in that form. The public
 * types once showed the compiled form, and `expect: {status: [[200, 299]], statusText: "2xx"}` is
 * still taken; the CLI and target files never come this way (./parse.ts).
 */
export function builtExpectation(value: Record<string, unknown>): Expectation {
  const { status, statusText, maxTime, bodyIncludes, header, certDaysLeft, json, bodyMatches, ...rest } = value;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new Error(`has an unknown field ${quote(extra)}`);
  const ranges = status as unknown[];
  const codesOk =
    ranges.length > 0 &&
    ranges.every(
      (r) =>
        Array.isArray(r) &&
        r.length === 2 &&
        Number.isInteger(r[0]) &&
        Number.isInteger(r[1]) &&
        (r[0] as number) >= 100 &&
        (r[0] as number) <= (r[1] as number) &&
        (r[1] as number) <= 599,
    );
  if (!codesOk) throw new Error('.status must be a non-empty list of [low, high] codes from 100 to 599');
  if (typeof statusText !== 'string') throw new Error('.statusText must be a string');
  // Copied: the config is frozen, and the caller's arrays stay theirs.
  const built: Expectation = { status: ranges.map((r) => [...(r as [number, number])] as const), statusText };
  if (maxTime !== undefined) built.maxTime = readBudget(maxTime);
  if (bodyIncludes !== undefined) {
    if (typeof bodyIncludes !== 'string' || bodyIncludes === '')
      throw new Error('.bodyIncludes must be a non-empty string');
    built.bodyIncludes = bodyIncludes;
  }
  if (certDaysLeft !== undefined) {
    if (typeof certDaysLeft !== 'number' || !Number.isSafeInteger(certDaysLeft) || certDaysLeft < 0) {
      throw new Error('.certDaysLeft must be a whole number of days (0 or more)');
    }
    built.certDaysLeft = certDaysLeft;
  }
  // Built content checks (what `expect.json` / `expect.bodyMatches` compile to) are taken as they
  // are; the object form of `expect` is where they are written and checked.
  if (json !== undefined) {
    if (!Array.isArray(json)) throw new Error('.json must be a list of built JSON checks (or use the object form)');
    built.json = json as Expectation['json'] & object;
    // A built `matches` runs on RE2 too: refused here, not when a body arrives.
    for (const check of built.json) {
      const test: unknown = check?.test;
      if (!isPlainObject(test) || test.kind !== 'matches') continue;
      if (!(test.regex instanceof RegExp)) throw new Error('.json: a "matches" check needs a RegExp');
      linearRegex(test.regex);
    }
  }
  if (bodyMatches !== undefined) {
    if (!(bodyMatches instanceof RegExp)) throw new Error('.bodyMatches must be a RegExp (or use the object form)');
    linearRegex(bodyMatches, String(bodyMatches));
    built.bodyMatches = bodyMatches;
  }
  if (header !== undefined) {
    if (!Array.isArray(header)) throw new Error('.header must be a list of header rules');
    built.header = header.map((rule: unknown) => {
      if (!isPlainObject(rule) || typeof rule.name !== 'string' || typeof rule.value !== 'string') {
        throw new Error('.header must be a list of {name, kind, value}');
      }
      const form = rule.kind === 'includes' || rule.kind === 'matches' ? { [rule.kind]: rule.value } : rule.value;
      return headerRule(rule.name.toLowerCase(), form, `expect.header.${rule.name}`);
    });
  }
  return built;
}
