import { describe, expect, it } from 'vitest';
import { describeValue, isPlainObject, quote, unknownFieldError } from '../src/describe.js';

describe('message helpers', () => {
  it('quote shows control characters and cuts long text', () => {
    expect(quote('a\r\nb\t')).toBe('"a\\r\\nb\\t"');
    expect(JSON.parse(quote('x'.repeat(500)))).toBe(`${'x'.repeat(60)}…`);
  });

  it('describeValue names JSON types', () => {
    expect([null, [], {}, 'a', 1, true, undefined].map(describeValue)).toEqual([
      'null',
      'an array',
      'an object',
      'string "a"',
      'number 1',
      'boolean true',
      'undefined',
    ]);
  });

  it('isPlainObject excludes null and arrays', () => {
    expect([{}, null, [], 'x'].map(isPlainObject)).toEqual([true, false, false, false]);
  });

  it('unknownFieldError suggests the nearest field within two edits only', () => {
    const allowed = new Set(['body', 'headers', 'timeout']);
    expect(unknownFieldError({ body: 1 }, allowed)).toBeNull();
    expect(unknownFieldError({ Body: 1 }, allowed)).toBe('unknown field "Body" (did you mean "body"?)');
    expect(unknownFieldError({ timout: 1 }, allowed)).toBe('unknown field "timout" (did you mean "timeout"?)');
    expect(unknownFieldError({ zzz: 1 }, allowed)).toBe('unknown field "zzz"');
    expect(unknownFieldError({ heads: 1 }, allowed, 'x.')).toBe('unknown field "x.heads" (did you mean "x.headers"?)');
  });
});
