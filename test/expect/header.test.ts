/** Issue 9 item 6: `expect.header` values that match real headers. */
import { describe, expect, it } from 'vitest';
import { buildHeaderRules, headerFailure } from '../../src/expect/header.js';

const check = (expected: unknown, got: string | undefined): string | null => {
  const [rule] = buildHeaderRules({ 'Content-Type': expected });
  return headerFailure(rule!, got);
};

describe('expect.header: a string value', () => {
  it('without ";" matches the field value up to its first ";" (media-type parameters ignored)', () => {
    expect(check('application/json', 'application/json; charset=utf-8')).toBeNull();
    expect(check('application/json', 'application/json;charset=utf-8')).toBeNull();
    expect(check('application/json', 'application/json')).toBeNull();
    expect(check('application/json', ' application/json ; q=1')).toBeNull();
  });

  it('compares media types without case (RFC 9110 §8.3.1), other values with it', () => {
    expect(check('application/json', 'Application/JSON; charset=utf-8')).toBeNull();
    const [etag] = buildHeaderRules({ ETag: 'abc' });
    expect(headerFailure(etag!, 'ABC')).toBe('header etag is "ABC", expected "abc" (before any ";")');
    expect(headerFailure(etag!, 'abc')).toBeNull();
  });

  it('with ";" must match exactly', () => {
    expect(check('text/html; charset=utf-8', 'text/html; charset=utf-8')).toBeNull();
    expect(check('text/html; charset=utf-8', 'text/html; charset=latin1')).toBe(
      'header content-type is "text/html; charset=latin1", expected "text/html; charset=utf-8"',
    );
  });

  it('says what was expected and what came', () => {
    expect(check('application/json', 'text/html; charset=utf-8')).toBe(
      'header content-type is "text/html; charset=utf-8", expected "application/json" (before any ";")',
    );
    expect(check('application/json', undefined)).toBe(
      'header content-type missing (expected "application/json" (before any ";"))',
    );
    expect(check('application/json', 'application/jsonx')).not.toBeNull();
  });

  it('escapes control characters from the server in the message', () => {
    const message = check('text/plain', '\u001b[31mred\u009b2J') ?? '';
    expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(message).toContain('\\u001b[31mred\\u009b2J');
  });
});

describe('expect.header: includes and matches', () => {
  it('{includes} wants a substring', () => {
    expect(check({ includes: 'charset=utf-8' }, 'text/html; charset=utf-8')).toBeNull();
    expect(check({ includes: 'utf-8' }, 'text/html')).toBe(
      'header content-type is "text/html", expected to include "utf-8"',
    );
  });

  it('{matches} wants the regular expression to match', () => {
    expect(check({ matches: '^application/(.+\\+)?json' }, 'application/problem+json')).toBeNull();
    expect(check({ matches: '^text/' }, 'application/json')).toBe(
      'header content-type is "application/json", expected to match the regular expression "^text/"',
    );
  });

  it("an invalid regular expression is the target's error, naming the field", () => {
    expect(() => buildHeaderRules({ 'X-Id': { matches: '[' } })).toThrow(
      'field "expect.header.X-Id.matches": invalid regular expression "["',
    );
  });
});
