import { escapeTextControls } from '../controls.js';

/**
 * Characters XML 1.0 forbids anywhere (§2.2 Char production): C0 controls other than TAB, LF
 * and CR, lone surrogates, U+FFFE and U+FFFF. Even escaped as `&#1;` they are not well-formed.
 */
const ILLEGAL = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // §3.3.3: a parser turns a literal TAB/LF/CR inside an attribute into a space; character
  // references survive that normalisation, so multi-line messages keep their lines.
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * Text content: illegal characters stripped, DEL and C1 controls written as the text `\u009b`
 * (legal XML, but a reader decodes even `&#x9B;` back into a raw CSI for whatever shows it; see
 * controls.ts), `& < > " '` escaped, and CR as `&#13;` because a
 * parser turns a literal CR or CRLF into LF (§2.11).
 */
export function xmlText(s: string): string {
  return escapeTextControls(s.replace(ILLEGAL, '')).replace(/[&<>"'\r]/g, (c) => ENTITIES[c] ?? c);
}

/** An attribute value (without the quotes): as {@link xmlText}, plus TAB/LF/CR as references. */
export function xmlAttr(s: string): string {
  return escapeTextControls(s.replace(ILLEGAL, '')).replace(/[&<>"'\t\n\r]/g, (c) => ENTITIES[c] ?? c);
}
