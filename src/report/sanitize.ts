/**
 * Makes untrusted text (server messages, header values, URLs, target names) safe to print on a
 * terminal. Escaped, so they show up instead of acting:
 * - C0 controls U+0000–U+001F (ESC starts CSI/OSC sequences; CR/LF/TAB break table rows),
 *   DEL U+007F, and C1 controls U+0080–U+009F (U+009B is an 8-bit CSI on some terminals);
 * - invisible format characters that can disguise text: zero-width U+200B–U+200F, bidi
 *   embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069 ("Trojan Source",
 *   CVE-2021-42574), word joiner & friends U+2060–U+2064, U+061C, U+FEFF, and the line/paragraph
 *   separators U+2028/U+2029;
 * - lone surrogates (not text at all).
 *
 * `\t`, `\n`, `\r` become those two-character escapes; other code points below U+0100 become
 * `\xNN`, the rest `\uNNNN`. A backslash is left alone: the output is for eyes, not for parsing.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udfff]/u;

const ELLIPSIS = '…';

/**
 * Escapes control and invisible characters (see above) and, when `maxWidth` is given, truncates
 * to at most that many terminal columns, ending with `…`. An escape is never cut in half.
 */
export function sanitize(text: string, maxWidth?: number): string {
  const limit = maxWidth ?? Infinity;
  // Fast path, nearly every string: printable ASCII is one column per UTF-16 unit.
  if (isAscii(text)) {
    if (text.length <= limit) return text;
    return limit <= 0 ? '' : text.slice(0, limit - 1) + ELLIPSIS;
  }
  if (maxWidth === undefined && !UNSAFE.test(text)) return text;
  if (limit <= 0) return '';
  let out = '';
  let width = 0;
  // Length of `out` at the last point where `out + "…"` still fits in `limit`.
  let cutAt = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const piece = UNSAFE.test(ch) ? escapeCodePoint(cp) : ch;
    const w = piece === ch ? charWidth(cp) : piece.length;
    if (width + w > limit) return out.slice(0, cutAt) + ELLIPSIS;
    out += piece;
    width += w;
    if (width <= limit - 1) cutAt = out.length;
  }
  return out;
}

/** Terminal columns taken by already-sanitized text (see {@link charWidth}). */
export function displayWidth(text: string): number {
  if (isAscii(text)) return text.length;
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function escapeCodePoint(cp: number): string {
  if (cp === 0x09) return '\\t';
  if (cp === 0x0a) return '\\n';
  if (cp === 0x0d) return '\\r';
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * Columns for one printable code point: 2 for East Asian wide/fullwidth and emoji blocks, 0 for
 * combining marks, else 1. An approximation of wcwidth(3) that is cheap and errs on the wide side
 * for the scripts people put in URLs and names; the table only uses it to pad and to truncate.
 */
function charWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if (cp <= 0x36f) return 0; // combining diacritical marks
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}
