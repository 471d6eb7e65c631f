/**
 * Issue 22: user patterns run on RE2 (re2js), linear in the text; what RE2 cannot run is refused
 * when read, naming the pattern.
 */
import { describe, expect, it } from 'vitest';
import { linearRegex, linearTest, parseUserRegex } from '../../src/expect/regex.js';

const matches = (pattern: string, text: string): boolean => linearTest(parseUserRegex(pattern), text);

describe('user regular expressions on RE2', () => {
  it('match as JavaScript would for the syntax they share', () => {
    expect(matches('^a.c$', 'abc')).toBe(true);
    expect(matches('/^ABC$/i', 'abc')).toBe(true);
    expect(matches('/^b$/m', 'a\nb\nc')).toBe(true);
    expect(matches('^b$', 'a\nb\nc')).toBe(false);
    expect(matches('/a.b/s', 'a\nb')).toBe(true);
    expect(matches('a.b', 'a\nb')).toBe(false);
    expect(matches('"status":\\s*"ok"', '{"status": "ok"}')).toBe(true);
    expect(matches('(?<v>\\d+)\\.(\\d+)', 'v2.14')).toBe(true);
    expect(matches('a*?b', 'aab')).toBe(true);
    expect(matches('\\p{Lu}{2,}', 'xAB')).toBe(true);
    expect(matches('\\bfoo\\b', 'a foo b')).toBe(true);
    expect(matches('\\/api\\/', '/api/v1')).toBe(true);
  });

  it('answer on a body crafted against backtracking, whatever its size', () => {
    const crafted = `${'a'.repeat(1024 * 1024)}!`;
    expect(matches('^(a+)+$', crafted)).toBe(false);
    expect(matches('(x+x+)+y', 'x'.repeat(100_000))).toBe(false);
  });

  it.each([
    ['(a)\\1', /"\(a\)\\\\1" cannot be matched in linear time \(invalid escape sequence/],
    ['(?<n>a)\\k<n>', /cannot be matched in linear time \(\\k<name>\)/],
    ['x(?=y)', /"x\(\?=y\)" cannot be matched in linear time/],
    ['x(?!y)', /cannot be matched in linear time/],
    ['(?<=x)y', /cannot be matched in linear time/],
    ['(?<!x)y', /cannot be matched in linear time/],
    ['/x/v', /"\/x\/v": the "v" flag is not supported/],
  ])('refuse %s when read, naming it', (pattern, message) => {
    expect(() => parseUserRegex(pattern)).toThrow(message);
  });

  it('refuse a library-built RegExp RE2 cannot run, and compile each RegExp once', () => {
    expect(() => linearRegex(/(a)\1/)).toThrow(/cannot be matched in linear time/);
    const re = /ok/;
    expect(linearRegex(re)).toBe(linearRegex(re));
  });
});
