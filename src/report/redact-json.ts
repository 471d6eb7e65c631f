import { MASK, maskUrl } from './redact-url.js';

/**
 * Redacts a target's `input` when it is JSON text (an object target, or a JSON line that failed
 * to parse): one left-to-right walk over the text's tokens, with no regular expression and no
 * recursion, so its cost is linear in the text and a deeply nested or broken text is walked like
 * any other (the regex this replaced took minutes on a few hundred KB of body).
 *
 * What it changes, keeping the text valid JSON when it was:
 * - the value of a key named like a secret header (any depth, any case: `headers`,
 *   `expect.header`) → `"***"`, whatever its type;
 * - a string value that is a URL (`scheme://…`, `url`, `host` or any other) → its user info's
 *   password masked, the rest as written;
 * - the request body (`body` or `data` at the top level) longer than {@link BODY_SHOWN}
 *   characters → a placeholder giving its size and a 32-bit digest (so `--resume` still tells a
 *   changed body from the same one): a report never echoes a large body.
 */

/** Bodies up to this many characters (of JSON text, quotes included) are shown as given. */
export const BODY_SHOWN = 1024;

export interface JsonScan {
  /** The redacted text (the same string when nothing changed). */
  text: string;
  /** Secret values found (header values, URL passwords), as written, for messages that quote them. */
  found: string[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

function isWhite(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Index just past the string token that opens at `i` (or the text's end, when unterminated). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === BACKSLASH) j += 2;
    else if (c === QUOTE) return j + 1;
    else j++;
  }
  return text.length;
}

function skipWhite(text: string, i: number): number {
  while (i < text.length && isWhite(text.charCodeAt(i))) i++;
  return i;
}

/** Index just past the value that starts at `i`: a string, a balanced object/array, or a scalar. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    while (j < text.length) {
      const d = text.charCodeAt(j);
      if (d === QUOTE) {
        j = stringEnd(text, j);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return text.length;
  }
  let j = i;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isWhite(d)) break;
    j++;
  }
  return j;
}

/** A string token's value; a malformed token (bad escape, unterminated) is taken as written. */
function decode(token: string): string {
  try {
    return JSON.parse(token) as string;
  } catch {
    return token.slice(1, token.endsWith('"') && token.length > 1 ? -1 : undefined);
  }
}

/** Whether the string token at `i` starts with `scheme://` (checked on a bounded prefix only). */
function looksLikeUrl(text: string, i: number, end: number): boolean {
  let j = i + 1;
  const c = text.charCodeAt(j);
  if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  while (j < end && j - i < 64) {
    const d = text.charCodeAt(j);
    if (d === COLON) return text.startsWith('//', j + 1);
    if (!((d >= 65 && d <= 90) || (d >= 97 && d <= 122) || (d >= 48 && d <= 57) || d === 43 || d === 45 || d === 46)) {
      return false;
    }
    j++;
  }
  return false;
}

/** 32-bit FNV-1a over the UTF-16 units of `text`, as 8 hex digits. */
function digest(text: string, from: number, to: number): string {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * Walks `text` as JSON tokens. `secretNames` are lower-case header names whose values are masked.
 * Each character is looked at a bounded number of times: a masked or elided value is skipped
 * once its end is found, and other values are walked into, never measured first.
 */
export function redactJsonText(text: string, secretNames: ReadonlySet<string>): JsonScan {
  const found: string[] = [];
  const parts: string[] = [];
  let copied = 0;
  const replace = (from: number, to: number, by: string): void => {
    parts.push(text.slice(copied, from), by);
    copied = to;
  };
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== QUOTE) {
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
      i++;
      continue;
    }
    const end = stringEnd(text, i);
    const afterKey = skipWhite(text, end);
    if (text.charCodeAt(afterKey) !== COLON) {
      // A string value: a URL's password is masked where the URL is.
      if (looksLikeUrl(text, i, end)) {
        const masked = maskUrl(decode(text.slice(i, end)));
        if (masked.password !== null) {
          found.push(masked.password);
          replace(i, end, JSON.stringify(masked.text));
        }
      }
      i = end;
      continue;
    }
    const from = skipWhite(text, afterKey + 1);
    // Keys are short in any real target; a long one is decoded once, like any other token.
    const key = end - i <= 256 ? decode(text.slice(i, end)).toLowerCase() : '';
    if (secretNames.has(key)) {
      const to = valueEnd(text, from);
      const value = text.slice(from, to);
      const raw = text.charCodeAt(from) === QUOTE ? decode(value) : value;
      if (raw !== MASK && raw !== '') found.push(raw);
      replace(from, to, `"${MASK}"`);
      i = to;
      continue;
    }
    if (depth === 1 && (key === 'body' || key === 'data')) {
      const to = valueEnd(text, from);
      if (to - from > BODY_SHOWN) {
        const bytes = text.charCodeAt(from) === QUOTE ? Buffer.byteLength(decode(text.slice(from, to))) : to - from;
        replace(from, to, `"<${bytes} bytes not shown, fnv1a ${digest(text, from, to)}>"`);
        i = to;
        continue;
      }
    }
    i = from;
  }
  if (parts.length === 0) return { text, found };
  parts.push(text.slice(copied));
  return { text: parts.join(''), found };
}
