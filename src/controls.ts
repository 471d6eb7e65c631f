/**
 * Control characters that machine formats must not carry raw. A terminal
 * acts on them when someone `cat`s a report or a CI log shows it: U+009B is an 8-bit CSI on
 * terminals that honour C1, so a server could move the cursor or rewrite earlier lines through
 * an error message or a URL.
 *
 * - In JSON, DEL (U+007F) and C1 (U+0080–U+009F) are legal raw inside strings, and
 *   `JSON.stringify` leaves them raw; RFC 8259 §7 allows any character to be escaped as `\uXXXX`,
 *   so they are escaped that way and every JSON reader still gets the same string.
 * - In text formats with no escape syntax (CSV fields, XML and Markdown text), the same
 *   characters, and the C0 controls other than TAB, LF and CR, become the six characters
 *   `\u009b`: the data then says what the server sent instead of acting on the terminal.
 */
const JSON_UNSAFE = /[\u007f-\u009f]/g;
const JSON_UNSAFE_TEST = /[\u007f-\u009f]/;

/** JSON text (already serialized) with DEL and C1 escaped as `\u00XX`. */
export function escapeJsonControls(json: string): string {
  return JSON_UNSAFE_TEST.test(json) ? json.replace(JSON_UNSAFE, toEscape) : json;
}

const TEXT_UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
const TEXT_UNSAFE_TEST = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Plain text with C0 (but TAB, LF, CR), DEL and C1 shown as the literal text `\u00XX`. */
export function escapeTextControls(text: string): string {
  return TEXT_UNSAFE_TEST.test(text) ? text.replace(TEXT_UNSAFE, toEscape) : text;
}

const MESSAGE_UNSAFE = /[\u0000-\u001f\u007f-\u009f]/g;
const MESSAGE_ESCAPES: Readonly<Record<string, string>> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };

/**
 * Text shown as is, except every control character (C0 including TAB, LF and CR, DEL, C1),
 * written as an escape (`\r`, `\u001b`): for names such as paths in usage messages, which read
 * better unquoted, and as the last guard on a whole message, so nothing breaks a one-line message
 * or reaches a terminal raw.
 */
export function escapeControls(text: string): string {
  return text.replace(MESSAGE_UNSAFE, (c) => MESSAGE_ESCAPES[c] ?? toEscape(c));
}

function toEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
