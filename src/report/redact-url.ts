/**
 * The password of a URL's user info, found by parsing the URL's authority — never by searching
 * the rest of the text: `http://alice:s3cret@host/basic-auth/alice/s3cret` is shown
 * `http://alice:***@host/basic-auth/alice/s3cret`, its path untouched. Every function here walks
 * its text once, left to right: linear in the text's length, whatever the text.
 */

export const MASK = '***';

/** The masked text, and the password it held (as written, percent-encoding kept), if any. */
export interface Masked {
  text: string;
  password: string | null;
}

enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Apostrophe = 39,
  Plus = 43,
  Dash = 45,
  Dot = 46,
  Slash = 47,
  Colon = 58,
  Lt = 60,
  Gt = 62,
  Question = 63,
  At = 64,
  Backslash = 92,
}

/** Where an authority ends: a path, query or fragment starts (`\` is `/` in special URLs), or the text stops being a URL. */
function endsAuthority(c: number): boolean {
  return (
    c === Ch.Slash ||
    c === Ch.Question ||
    c === Ch.Hash ||
    c === Ch.Backslash ||
    c === Ch.Space ||
    c === Ch.Tab ||
    c === Ch.Lf ||
    c === Ch.Cr ||
    c === Ch.Quote ||
    c === Ch.Apostrophe ||
    c === Ch.Lt ||
    c === Ch.Gt
  );
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isSchemeChar(c: number): boolean {
  return isAlpha(c) || (c >= 48 && c <= 57) || c === Ch.Plus || c === Ch.Dash || c === Ch.Dot;
}

/** Index just past `scheme://` when `text` has one at `from` (RFC 3986 §3.1), else -1. */
function afterScheme(text: string, from: number): number {
  if (!isAlpha(text.charCodeAt(from))) return -1;
  let i = from + 1;
  while (i < text.length && isSchemeChar(text.charCodeAt(i))) i++;
  return text.startsWith('://', i) ? i + 3 : -1;
}

/**
 * Where the password of the authority `[start, end)` is, or null: the user info runs to the
 * authority's last `@` (as WHATWG URL parsing takes it), the password from its first `:`. A user
 * name alone (`http://token@host`) is kept, as before. Looks inside the authority only.
 */
function passwordSpan(text: string, start: number, end: number): [from: number, to: number] | null {
  let at = -1;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === Ch.At) at = i;
  if (at === -1) return null;
  let colon = start;
  while (colon < at && text.charCodeAt(colon) !== Ch.Colon) colon++;
  if (colon === at || text.slice(colon + 1, at) === MASK) return null;
  return [colon + 1, at];
}

/**
 * An input cut short (a line over the input's length limit is shown as its head and `…`) may
 * stop inside the user info, before the `@` that would show where the password ends: when the
 * authority runs to the cut, everything after its first `:` is masked. At worst that hides the
 * port of an invalid target's preview.
 */
function cutSpan(text: string, start: number, end: number): [from: number, to: number] | null {
  if (end !== text.length || !text.endsWith('…')) return null;
  const colon = text.indexOf(':', start);
  return colon === -1 || colon >= end - 1 ? null : [colon + 1, end - 1];
}

/**
 * A URL field (a target given as a string, `url`, `finalUrl`, a redirect's URL): `scheme://` and
 * its authority, or a shorthand `user:pass@host/…` whose authority starts the text. Leading
 * white space is skipped (an input is kept as written).
 */
export function maskUrl(url: string): Masked {
  const out: Masked = { text: url, password: null };
  let start = 0;
  while (start < url.length && url.charCodeAt(start) <= Ch.Space) start++;
  const scheme = afterScheme(url, start);
  if (scheme !== -1) start = scheme;
  let end = start;
  while (end < url.length && !endsAuthority(url.charCodeAt(end))) end++;
  const span = passwordSpan(url, start, end) ?? cutSpan(url, start, end);
  if (span === null) return out;
  out.password = url.slice(span[0], span[1]);
  out.text = `${url.slice(0, span[0])}${MASK}${url.slice(span[1])}`;
  return out;
}

/**
 * Free text that may quote URLs (an error message naming a proxy, a failure quoting a
 * `Location`): each `scheme://` authority in it, found with `indexOf` from where the last one
 * ended, so the walk never goes back.
 */
export function maskUrlsInText(text: string, passwords?: string[]): string {
  if (!text.includes('://')) return text;
  const parts: string[] = [];
  let copied = 0;
  let from = 0;
  for (;;) {
    const sep = text.indexOf('://', from);
    if (sep === -1) break;
    const start = sep + 3;
    let end = start;
    while (end < text.length && !endsAuthority(text.charCodeAt(end))) end++;
    from = end === start ? start : end;
    // Only a `scheme` right before `://` makes a URL; its letters need not be checked for the
    // mask (a user info needs `@` and `:` in the authority anyway).
    if (sep === 0 || !isSchemeChar(text.charCodeAt(sep - 1))) continue;
    const span = passwordSpan(text, start, end);
    if (span === null) continue;
    passwords?.push(text.slice(span[0], span[1]));
    parts.push(text.slice(copied, span[0]), MASK);
    copied = span[1];
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}
