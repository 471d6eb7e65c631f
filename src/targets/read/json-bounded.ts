/**
 * Parsing a whole JSON document that nests too deeply, without building what is too deep.
 *
 * `JSON.parse` is iterative in V8, so depth cannot overflow the stack there, but a document of
 * 60M nested arrays takes it 90 s and 6 GB to build — for values that are then refused anyway.
 * So a document is first measured (one pass counting brackets). When it nests no deeper than a
 * valid one can, it goes to `JSON.parse` whole. Otherwise it is checked for syntax (iteratively,
 * see json-position.ts), then cut into its top-level parts — the elements of the target array,
 * the members of a `{"targets": […]}` object — and each part is parsed alone, unless it is too
 * deep: then it becomes a {@link DeepValue}, which costs one scan and no allocation. The others
 * come out exactly as `JSON.parse` would give them.
 */
import { MAX_NESTING } from '../depth.js';

/** Stands for a part of a document that nests deeper than {@link MAX_NESTING}. */
export class DeepValue {
  constructor(
    /** The first characters of its text, e.g. `[[[[…`. */
    readonly preview: string,
    /** Where it first goes too deep, from the part itself (`$`), e.g. `$.headers[0][0]…`. */
    readonly path: string,
  ) {}
}

/** Whether brackets in `text` (outside strings) nest deeper than `limit`. Linear, no allocation. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i) - 1;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * `JSON.parse(text)` for valid JSON `text`, except that each element of the top-level array, and
 * each member of the top-level object (each element of its `targets` array), is a
 * {@link DeepValue} when it nests deeper than `limit`.
 */
export function parseShallow(text: string, limit = MAX_NESTING): unknown {
  let i = skipSpace(text, 0);
  const open = text.charCodeAt(i);
  if (open === 0x5b) return parseArray(text, i, limit).value;
  if (open !== 0x7b) return JSON.parse(text);
  const out: Record<string, unknown> = {};
  i = skipSpace(text, i + 1);
  while (text.charCodeAt(i) === 0x22) {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, skipSpace(text, keyEnd) + 1); // past the colon
    let value: unknown;
    if (key === 'targets' && text.charCodeAt(i) === 0x5b) {
      const array = parseArray(text, i, limit);
      value = array.value;
      i = array.end;
    } else {
      const part = parsePart(text, i, limit);
      value = part.value;
      i = part.end;
    }
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    i = skipSpace(text, i);
    if (text.charCodeAt(i) === 0x2c) i = skipSpace(text, i + 1);
  }
  return out;
}

function parseArray(text: string, start: number, limit: number): { value: unknown[]; end: number } {
  const value: unknown[] = [];
  let i = skipSpace(text, start + 1);
  while (text.charCodeAt(i) !== 0x5d) {
    const part = parsePart(text, i, limit);
    value.push(part.value);
    i = skipSpace(text, part.end);
    if (text.charCodeAt(i) === 0x2c) i = skipSpace(text, i + 1);
  }
  return { value, end: i + 1 };
}

/** The value starting at `start`: parsed, or a {@link DeepValue}; and where it ends. */
function parsePart(text: string, start: number, limit: number): { value: unknown; end: number } {
  const { end, deep } = scanValue(text, start, limit);
  if (deep === null) return { value: JSON.parse(text.slice(start, end)), end };
  const preview = `${text.slice(start, start + 40).replace(/\s+/g, ' ')}…`;
  return { value: new DeepValue(preview, deep), end };
}

/**
 * Where the valid JSON value at `start` ends, and the path to its first container deeper than
 * `limit` (null if none). Paths are kept for the first `limit` levels only: past that nothing is
 * remembered but the depth, so memory does not depend on the input.
 */
function scanValue(text: string, start: number, limit: number): { end: number; deep: string | null } {
  const open = text.charCodeAt(start);
  if (open === 0x22) return { end: stringEnd(text, start), deep: null };
  if (open !== 0x5b && open !== 0x7b) {
    let i = start;
    while (i < text.length && !/[\s,\]}]/.test(text[i] ?? '')) i++;
    return { end: i, deep: null };
  }
  // Per open level (up to `limit`): is it an object, the index of the current element, and the
  // step into the current child (`[3]` or `.key`).
  const isObject: boolean[] = [];
  const index: number[] = [];
  const step: string[] = [];
  let depth = 0;
  let deep: string | null = null;
  let expectKey = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (expectKey && deep === null) step[depth - 1] = `.${JSON.parse(text.slice(i, end)) as string}`;
      expectKey = false;
      i = end - 1;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (deep !== null) continue;
      if (depth > limit) {
        deep = `$${step.slice(0, depth - 1).join('')}`;
        if (deep.length > 200) deep = `${deep.slice(0, 200)}…`;
        continue;
      }
      isObject[depth - 1] = c === 0x7b;
      index[depth - 1] = 0;
      step[depth - 1] = '[0]';
      expectKey = c === 0x7b;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) return { end: i + 1, deep };
      expectKey = false;
    } else if (c === 0x2c && deep === null) {
      const level = depth - 1;
      if (isObject[level] === true) {
        expectKey = true;
      } else {
        index[level] = (index[level] ?? 0) + 1;
        step[level] = `[${index[level]}]`;
      }
    }
  }
  return { end: text.length, deep };
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return i;
    i++;
  }
}

/** The offset just past the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return text.length;
}
