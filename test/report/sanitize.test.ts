import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { displayWidth, sanitize } from '../../src/report/sanitize.js';

/** Anything a terminal could act on, or that hides/reorders text. */
const DANGEROUS =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\ud800-\udfff]/u;

describe('sanitize', () => {
  it('leaves printable text alone', () => {
    expect(sanitize('GET http://example.com/a?b=c')).toBe('GET http://example.com/a?b=c');
    expect(sanitize('héllo wörld ✓ 日本')).toBe('héllo wörld ✓ 日本');
  });

  it('escapes ESC, CR, LF, TAB, NUL and DEL visibly', () => {
    expect(sanitize('\x1b[31mred\x1b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(sanitize('a\r\nb\tc')).toBe('a\\r\\nb\\tc');
    expect(sanitize('nul\x00del\x7f')).toBe('nul\\x00del\\x7f');
  });

  it('escapes C1 controls such as the 8-bit CSI and OSC', () => {
    expect(sanitize('\u009b31m\u009d0;title\u0007')).toBe('\\x9b31m\\x9d0;title\\x07');
  });

  it('escapes bidi overrides, zero-width and line separators', () => {
    expect(sanitize('a\u202eb\u2066c\u200bd\u2028e\ufeff')).toBe('a\\u202eb\\u2066c\\u200bd\\u2028e\\ufeff');
  });

  it('escapes lone surrogates but keeps real pairs', () => {
    expect(sanitize('x\ud800y')).toBe('x\\ud800y');
    expect(sanitize('ok 😀')).toBe('ok 😀');
  });

  it('truncates to maxWidth with an ellipsis', () => {
    expect(sanitize('abcdefghij', 5)).toBe('abcd…');
    expect(sanitize('abcde', 5)).toBe('abcde');
    expect(sanitize('abcdef', 1)).toBe('…');
    expect(sanitize('abcdef', 0)).toBe('');
  });

  it('never cuts an escape in half', () => {
    // "ab" + "\x1b" is 6 columns: with 5 the escape does not fit with the ellipsis, so it goes whole.
    expect(sanitize('ab\x1bcdef', 6)).toBe('ab…');
    expect(sanitize('ab\x1b', 6)).toBe('ab\\x1b');
  });

  it('counts wide characters as two columns', () => {
    expect(displayWidth('日本')).toBe(4);
    expect(sanitize('日本語テキスト', 5)).toBe('日本…');
    expect(displayWidth(sanitize('日本語テキスト', 5))).toBeLessThanOrEqual(5);
  });

  it('never lets a control character through, and respects the width (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: 1, max: 40 }), (s, w) => {
        const full = sanitize(s);
        const cut = sanitize(s, w);
        expect(DANGEROUS.test(full)).toBe(false);
        expect(DANGEROUS.test(cut)).toBe(false);
        expect(displayWidth(cut)).toBeLessThanOrEqual(w);
        // Truncation only ever removes a tail: what is kept is a prefix of the full form.
        const kept = cut.endsWith('…') && !full.endsWith('…') ? cut.slice(0, -1) : cut;
        expect(full.startsWith(kept)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
