import { UsageError } from './errors.js';
import { quote } from './describe.js';

// RFC 9110 §5.6.2: token = 1*tchar; tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" /
// "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA. Field names (§5.1) and methods (§9.1) are tokens.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// RFC 9110 §5.5: CR, LF and NUL in a field value are "invalid and dangerous" (they would let a value
// inject headers or end the head); other CTLs are invalid too and a sender must not generate them.
// HTAB is allowed inside a value.
const BAD_VALUE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f]/;

// The engine frames the request body itself (RFC 9112 §6.2, §6.3); a user-supplied Content-Length or
// Transfer-Encoding would contradict that framing and desynchronize the connection.
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding']);

/** True when `text` is an RFC 9110 token (a valid header name or method). */
export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** An error message when `name` is not a valid header field name, else null. */
export function validateHeaderName(name: string): string | null {
  if (name === '') return 'empty header name';
  if (!TOKEN.test(name)) return `header name ${quote(name)} is not a valid token (RFC 9110 §5.6.2)`;
  return null;
}

/** An error message when `value` contains CR, LF, NUL or another control character, else null. */
export function validateHeaderValue(value: string): string | null {
  const bad = BAD_VALUE_CHAR.exec(value);
  if (bad === null) return null;
  return `header value ${quote(value)} contains ${controlName(bad[0])} (RFC 9110 §5.5)`;
}

/**
 * An error message when `name` (already a valid token) is a header the user may not set on a
 * request, else null. Host is allowed: overriding it is how virtual hosts are tested.
 */
export function requestHeaderError(name: string): string | null {
  if (FRAMING_HEADERS.has(name.toLowerCase())) {
    return `header ${quote(name)} is set by fetch-many from the body (RFC 9112 §6)`;
  }
  return null;
}

/**
 * Parses a `-H "Name: value"` flag. The name must be a token; the value is trimmed of the optional
 * whitespace around it (RFC 9110 §5.5: OWS is not part of the value) and may be empty.
 * @throws UsageError naming the flag.
 */
export function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon === -1) throw new UsageError(`header ${quote(text)} has no colon (use "Name: value")`);
  // Whitespace before the colon is forbidden on the wire (RFC 9112 §5.1), but here it is only how
  // the user typed the flag; we write the trimmed name.
  const name = text.slice(0, colon).trim();
  const value = trimOws(text.slice(colon + 1));
  const problem = validateHeaderName(name) ?? requestHeaderError(name) ?? validateHeaderValue(value);
  if (problem !== null) throw new UsageError(`bad header ${quote(text)}: ${problem}`);
  return [name, value];
}

/**
 * `value` without leading and trailing spaces and tabs (a field value's OWS, RFC 9110 §5.5).
 * A loop from each end: `/^[ \t]+|[ \t]+$/g` is tried at each position of a long inner run of
 * spaces, quadratic in it.
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 32 || value.charCodeAt(start) === 9)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 32 || value.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Names a control character for messages: `CR`, `LF`, `NUL`, `a tab`, `U+001B`. */
export function controlName(char: string): string {
  switch (char) {
    case '\r':
      return 'CR';
    case '\n':
      return 'LF';
    case '\0':
      return 'NUL';
    case '\t':
      return 'a tab';
    case ' ':
      return 'a space';
    case '\ufffd':
      return 'bytes that are not valid UTF-8';
    default:
      return `control character U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  }
}
