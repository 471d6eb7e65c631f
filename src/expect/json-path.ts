import type { JsonCheck, JsonPathStep, JsonTest } from './types.js';
import { describeValue, isPlainObject } from '../describe.js';
import { linearTest, parseUserRegex } from './regex.js';

/**
 * A small, documented subset of RFC 9535 JSONPath, without `eval`: a path selects at most one
 * value, which is all an equality check needs.
 *
 *   $                 the whole document
 *   .name             member (RFC 9535 §2.5.1.1 shorthand: a letter, `_` or non-ASCII first,
 *                     then those or digits)
 *   ["name"] ['name'] member, any name (JSON string escapes; §2.3.1.1)
 *   [2] [-1]          array element; negative counts from the end (§2.3.3.2)
 *   .length           not RFC 9535: the length of an array or string; on an object, its member
 *                     named "length" (`["length"]` is always the member)
 *
 * Wildcards, slices, filters and descendants (`*`, `[1:3]`, `[?…]`, `..`) select many values and
 * are refused with the position of the offending character.
 */

/** Where a path ended in `text`: the parsed steps and the index just after them. */
export interface ParsedPath {
  steps: JsonPathStep[];
  end: number;
}

/**
 * Parses a path at the start of `text`, stopping at the first character that does not continue
 * it (so `--expect-json '$.a=1'` can find its `=`).
 * @throws Error naming the position of a character that cannot be part of a supported path
 */
export function parsePathPrefix(text: string): ParsedPath {
  if (text[0] !== '$') throw new Error(`a JSONPath starts with "$", got ${JSON.stringify(text.slice(0, 20))}`);
  const steps: JsonPathStep[] = [];
  let i = 1;
  for (;;) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') throw unsupported(text, i, 'descendant segments (..) are not supported');
      const m = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*/.exec(text.slice(i + 1));
      if (m === null) {
        if (text[i + 1] === '*') throw unsupported(text, i + 1, 'wildcards are not supported');
        throw unsupported(text, i + 1, 'expected a member name after "."');
      }
      steps.push(m[0] === 'length' ? { kind: 'length' } : { kind: 'member', name: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const step = bracket(text, i);
      steps.push(step.step);
      i = step.end;
    } else {
      return { steps, end: i };
    }
  }
}

/** Parses a whole string as a path. @throws Error when any of it is not a supported path */
export function parseJsonPath(text: string): JsonPathStep[] {
  const { steps, end } = parsePathPrefix(text);
  if (end !== text.length) throw unsupported(text, end, `unexpected ${JSON.stringify(text[end])}`);
  return steps;
}

function bracket(text: string, open: number): { step: JsonPathStep; end: number } {
  let i = skipSpace(text, open + 1);
  const c = text[i];
  let step: JsonPathStep;
  if (c === '"' || c === "'") {
    const s = quoted(text, i);
    step = { kind: 'member', name: s.value };
    i = s.end;
  } else {
    const m = /^-?(?:0|[1-9][0-9]*)/.exec(text.slice(i));
    if (m === null || m[0] === '-0') {
      if (c === '*') throw unsupported(text, i, 'wildcards are not supported');
      if (c === '?') throw unsupported(text, i, 'filters are not supported');
      throw unsupported(text, i, 'expected an index or a quoted name in [ ]');
    }
    const index = Number(m[0]);
    if (!Number.isSafeInteger(index)) throw unsupported(text, i, 'index out of range');
    step = { kind: 'index', index };
    i += m[0].length;
  }
  i = skipSpace(text, i);
  if (text[i] === ':') throw unsupported(text, i, 'slices are not supported');
  if (text[i] === ',') throw unsupported(text, i, 'unions are not supported');
  if (text[i] !== ']') throw unsupported(text, i, 'expected "]"');
  return { step, end: i + 1 };
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** A quoted name with JSON's escapes; inside single quotes `\'` is allowed too (RFC 9535 §2.3.1.1). */
function quoted(text: string, start: number): { value: string; end: number } {
  const q = text[start]!;
  let out = '';
  let i = start + 1;
  for (;;) {
    const c = text[i];
    if (c === undefined) throw unsupported(text, i, 'unterminated string');
    if (c === q) return { value: out, end: i + 1 };
    if (c.charCodeAt(0) < 0x20) throw unsupported(text, i, 'control character in a name');
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    // Lenient about which quote may be escaped inside which: both read the same.
    if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      throw unsupported(text, i, 'bad escape');
    }
  }
}

function skipSpace(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  return i;
}

function unsupported(text: string, at: number, why: string): Error {
  return new Error(`JSONPath ${JSON.stringify(text)} at character ${at + 1}: ${why}`);
}

// ---- selecting ---------------------------------------------------------------------------------

const NOTHING = Symbol('nothing');

/** The value `steps` select in `doc`, or {@link NOTHING}. Only own members count (never `__proto__` lookups). */
function select(doc: unknown, steps: readonly JsonPathStep[]): unknown {
  let value: unknown = doc;
  for (const step of steps) {
    if (step.kind === 'index') {
      if (!Array.isArray(value)) return NOTHING;
      const i = step.index < 0 ? value.length + step.index : step.index;
      if (i < 0 || i >= value.length) return NOTHING;
      value = value[i];
    } else if (step.kind === 'length' && (Array.isArray(value) || typeof value === 'string')) {
      value = value.length;
    } else {
      const name = step.kind === 'length' ? 'length' : step.name;
      if (!isPlainObject(value) || !Object.hasOwn(value, name)) return NOTHING;
      value = (value as Record<string, unknown>)[name];
    }
  }
  return value;
}

/**
 * Whether two JSON values are equal: same type, numbers and strings by value, arrays and objects
 * member by member. Walks with its own stack, not the call stack: a server's body may nest
 * deeper than the call stack goes.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [x, y] = pair;
    if (x === y) continue;
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) pending.push([x[i], y[i]]);
    } else if (isPlainObject(x) && isPlainObject(y)) {
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length) return false;
      for (const k of keys) {
        if (!Object.hasOwn(y, k)) return false;
        pending.push([x[k], y[k]]);
      }
    } else {
      return false;
    }
  }
  return true;
}

/** How much of a value a failure message shows. */
const SHOWN = 80;

/** A value for a failure message: JSON, cut to a readable length. */
function show(value: unknown): string {
  const text = jsonPreview(value, SHOWN);
  return text.length <= SHOWN ? text : `${text.slice(0, SHOWN - 1)}…`;
}

type Frame = { items: readonly unknown[]; i: number } | { object: Record<string, unknown>; keys: string[]; i: number };

/**
 * The JSON text of `value` as `JSON.stringify` writes it, but only its first `limit` characters
 * or a little more: written with its own stack and stopped once that long, so a body nested
 * 100,000 deep or 10 MB wide costs what the message shows (a recursive stringify of a
 * 5,000-deep body overflowed the stack and killed the run).
 */
export function jsonPreview(value: unknown, limit: number): string {
  const stack: Frame[] = [];
  const scalar = (v: unknown): string => {
    if (typeof v === 'string') return JSON.stringify(v.length > limit ? v.slice(0, limit) : v);
    return JSON.stringify(v) ?? String(v);
  };
  let out = '';
  let next: unknown = value;
  let pending = true;
  while (out.length <= limit) {
    if (pending) {
      pending = false;
      if (Array.isArray(next)) {
        out += '[';
        stack.push({ items: next, i: 0 });
      } else if (isPlainObject(next)) {
        out += '{';
        stack.push({ object: next, keys: Object.keys(next), i: 0 });
      } else {
        out += scalar(next);
      }
    }
    const top = stack[stack.length - 1];
    if (top === undefined) break;
    if ('items' in top) {
      if (top.i === top.items.length) {
        out += ']';
        stack.pop();
        continue;
      }
      if (top.i > 0) out += ',';
      next = top.items[top.i++];
    } else {
      if (top.i === top.keys.length) {
        out += '}';
        stack.pop();
        continue;
      }
      if (top.i > 0) out += ',';
      const key = top.keys[top.i++] as string;
      out += `${scalar(key)}:`;
      next = top.object[key];
    }
    pending = true;
  }
  return out;
}

/**
 * Checks one `expect.json` entry against the parsed body. Returns null when it holds, else the
 * failure: `json $.status is "down", not "ok"`, `json $.build.sha: no such path`.
 */
export function checkJson(check: JsonCheck, doc: unknown): string | null {
  const value = select(doc, check.steps);
  const test = check.test;
  const where = `json ${check.path}`;
  if (value === NOTHING) return test.kind === 'exists' && !test.exists ? null : `${where}: no such path`;
  switch (test.kind) {
    case 'exists':
      return test.exists ? null : `${where} is ${show(value)}, expected no such path`;
    case 'matches':
      if (typeof value !== 'string') return `${where} is ${show(value)}, not a string matching ${test.regex}`;
      return linearTest(test.regex, value) ? null : `${where} is ${show(value)}, not matching ${test.regex}`;
    case 'equals':
      return jsonEqual(value, test.value) ? null : `${where} is ${show(value)}, not ${show(test.value)}`;
  }
}

// ---- building checks from user input ------------------------------------------------------------

/**
 * What a path must select, from its JSON value: a literal, or an object with exactly one of
 * `matches` (a regex string), `exists` (a boolean) or `equals` (a literal, for comparing with an
 * object that would otherwise read as one of these).
 * @throws Error saying what is wrong with the value
 */
export function jsonTest(value: unknown): JsonTest {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const key = keys[0]!;
      const arg = value[key];
      if (key === 'matches') {
        if (typeof arg !== 'string')
          throw new Error(`"matches" takes a regular expression string, got ${describeValue(arg)}`);
        return { kind: 'matches', regex: parseUserRegex(arg) };
      }
      if (key === 'exists') {
        if (typeof arg !== 'boolean') throw new Error(`"exists" takes true or false, got ${describeValue(arg)}`);
        return { kind: 'exists', exists: arg };
      }
      if (key === 'equals') return { kind: 'equals', value: arg };
    }
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    throw new Error(`expected a JSON value, got ${describeValue(value)}`);
  }
  return { kind: 'equals', value };
}

/** One check from a path and its expected value. @throws Error naming what is wrong */
export function buildJsonCheck(path: string, expected: unknown): JsonCheck {
  return { path, steps: parseJsonPath(path), test: jsonTest(expected) };
}

/**
 * `--expect-json '$.path=<json value>'`: the path ends at the first `=` that is not inside a
 * bracketed name. The value must be JSON (a string needs its quotes: `'$.state="up"'`).
 * @throws Error naming what is wrong
 */
export function splitJsonFlag(text: string): { path: string; value: unknown } {
  const trimmed = text.trim();
  const { end } = parsePathPrefix(trimmed);
  const path = trimmed.slice(0, end);
  const rest = trimmed.slice(end).trimStart();
  if (!rest.startsWith('=')) {
    throw new Error(
      rest === ''
        ? `${JSON.stringify(text)} needs "=<json value>" after the path`
        : `JSONPath ${JSON.stringify(trimmed)} at character ${end + 1}: expected "=" or a path segment`,
    );
  }
  const raw = rest.slice(1).trim();
  try {
    return { path, value: JSON.parse(raw) };
  } catch {
    throw new Error(`value ${JSON.stringify(raw)} is not JSON (a string needs quotes: '${path}="${raw}"')`);
  }
}

/** One check from `--expect-json`. @throws Error naming what is wrong */
export function parseJsonFlag(text: string): JsonCheck {
  const { path, value } = splitJsonFlag(text);
  return buildJsonCheck(path, value);
}
