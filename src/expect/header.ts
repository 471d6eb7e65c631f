import type { HeaderRule } from './types.js';
import { describeValue, isPlainObject, quote } from '../describe.js';
import { validateHeaderName, validateHeaderValue } from '../header.js';
import { linearRegex, linearTest } from './regex.js';

/**
 * `expect.header`: what a response header must hold. A value is written as
 *   - a string: the field value equals it exactly; or, when the string has no `;`, the field
 *     value up to its first `;` (trimmed) equals it — so `application/json` matches
 *     `application/json; charset=utf-8`. When the string is a media type (`type/subtype`), that
 *     comparison ignores case, as media types do (RFC 9110 §8.3.1); other values keep theirs;
 *   - `{ "includes": "…" }`: the field value contains the text (case-sensitive);
 *   - `{ "matches": "regex" }`: the field value matches the JavaScript regular expression
 *     (unanchored; write `^…$` for the whole value).
 * A header sent more than once is checked on its first field line.
 */

// RFC 9110 §8.3.1: media-type = type "/" subtype, both tokens.
const MEDIA_TYPE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Builds the rules of an `expect.header` object: names lower-cased (field names are
 * case-insensitive, RFC 9110 §5.1), regular expressions compiled now so a bad one is the
 * target's error, not the response's.
 * @throws Error naming the field.
 */
export function buildHeaderRules(header: unknown, field = 'expect.header'): HeaderRule[] {
  if (!isPlainObject(header)) {
    throw new Error(`field ${quote(field)} must be an object of name → value, got ${describeValue(header)}`);
  }
  const rules: HeaderRule[] = [];
  for (const [name, raw] of Object.entries(header)) {
    const nameProblem = validateHeaderName(name);
    if (nameProblem !== null) throw new Error(`field ${quote(field)}: ${nameProblem}`);
    rules.push(headerRule(name.toLowerCase(), raw, `${field}.${name}`));
  }
  return rules;
}

/** One rule; `where` names the field in messages (`expect.header.Content-Type`). */
export function headerRule(name: string, raw: unknown, where: string): HeaderRule {
  if (typeof raw === 'string' || (typeof raw === 'number' && Number.isFinite(raw))) {
    const value = String(raw);
    checkValue(value, where);
    return { name, kind: 'equals', value };
  }
  if (isPlainObject(raw)) {
    const keys = Object.keys(raw);
    const kind = keys[0];
    if (keys.length === 1 && (kind === 'includes' || kind === 'matches')) {
      const value = raw[kind];
      if (typeof value !== 'string' || value === '') {
        throw new Error(`field ${quote(`${where}.${kind}`)} must be a non-empty string, got ${describeValue(value)}`);
      }
      if (kind === 'includes') {
        checkValue(value, where);
        return { name, kind, value };
      }
      let regex: RegExp;
      try {
        // redos: never matched by V8; holds() runs its RE2 form (linearTest, src/expect/regex.ts).
        regex = new RegExp(value);
      } catch (err) {
        throw new Error(`field ${quote(`${where}.matches`)}: invalid regular expression ${quote(value)}`, {
          cause: err,
        });
      }
      try {
        linearRegex(regex, value);
      } catch (err) {
        throw new Error(`field ${quote(`${where}.matches`)}: ${(err as Error).message}`, { cause: err });
      }
      return { name, kind, value, regex };
    }
  }
  throw new Error(
    `field ${quote(where)} must be a string, {"includes": "…"} or {"matches": "regex"}, got ${describeValue(raw)}`,
  );
}

function checkValue(value: string, where: string): void {
  const problem = validateHeaderValue(value);
  if (problem !== null) throw new Error(`field ${quote(where)}: ${problem}`);
}

/**
 * Why the response's field value (undefined when the header is absent) breaks the rule, as one
 * line saying what was expected and what came; null when it holds.
 */
export function headerFailure(rule: HeaderRule, got: string | undefined): string | null {
  if (got === undefined) return `header ${rule.name} missing (expected ${describeRule(rule)})`;
  if (holds(rule, got)) return null;
  return `header ${rule.name} is ${quote(got, 120)}, expected ${describeRule(rule)}`;
}

function holds(rule: HeaderRule, got: string): boolean {
  switch (rule.kind) {
    case 'includes':
      return got.includes(rule.value);
    case 'matches':
      // redos: never matched by V8 (a rule built without its regex); linearTest runs its RE2 form.
      return linearTest(rule.regex ?? new RegExp(rule.value), got);
    case 'equals': {
      if (got === rule.value) return true;
      if (rule.value.includes(';')) return false;
      const semi = got.indexOf(';');
      const main = (semi === -1 ? got : got.slice(0, semi)).trim();
      return MEDIA_TYPE.test(rule.value) ? main.toLowerCase() === rule.value.toLowerCase() : main === rule.value;
    }
  }
}

function describeRule(rule: HeaderRule): string {
  switch (rule.kind) {
    case 'includes':
      return `to include ${quote(rule.value, 120)}`;
    case 'matches':
      return `to match the regular expression ${quote(rule.value, 120)}`;
    case 'equals':
      return rule.value.includes(';') ? quote(rule.value, 120) : `${quote(rule.value, 120)} (before any ";")`;
  }
}
