import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { parseHeaderFlag, requestHeaderError, validateHeaderName, validateHeaderValue } from '../src/header.js';

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseHeaderFlag', () => {
  it('splits at the first colon and trims the value', () => {
    expect(parseHeaderFlag('Accept: text/html')).toEqual(['Accept', 'text/html']);
    expect(parseHeaderFlag('X-Time:  12:30:00 \t')).toEqual(['X-Time', '12:30:00']);
    expect(parseHeaderFlag('X-Empty:')).toEqual(['X-Empty', '']);
  });

  it('keeps the case of the name', () => {
    expect(parseHeaderFlag('x-MiXeD: 1')[0]).toBe('x-MiXeD');
  });

  it('keeps a tab inside the value', () => {
    expect(parseHeaderFlag('X-T: a\tb')[1]).toBe('a\tb');
  });

  it('rejects a header without a colon', () => {
    expect(usageMessage(() => parseHeaderFlag('foo'))).toBe('header "foo" has no colon (use "Name: value")');
  });

  it('rejects a name that is not a token', () => {
    expect(usageMessage(() => parseHeaderFlag('Bad Name: x'))).toMatch(/"Bad Name" is not a valid token/);
    expect(usageMessage(() => parseHeaderFlag('X(y): x'))).toMatch(/not a valid token/);
    expect(usageMessage(() => parseHeaderFlag(': x'))).toMatch(/empty header name/);
  });

  it.each([
    ['X-A: a\r\nInjected: 1', /contains CR/],
    ['X-A: a\nb', /contains LF/],
    ['X-A: a\0b', /contains NUL/],
    ['X-A: a\u001bb', /U\+001B/],
  ])('rejects control characters in the value: %j', (flag, message) => {
    expect(usageMessage(() => parseHeaderFlag(flag))).toMatch(message);
  });

  it('rejects framing headers the engine sets itself', () => {
    expect(usageMessage(() => parseHeaderFlag('Content-Length: 5'))).toMatch(/set by fetch-many/);
    expect(usageMessage(() => parseHeaderFlag('transfer-encoding: chunked'))).toMatch(/set by fetch-many/);
  });

  it('allows overriding Host', () => {
    expect(parseHeaderFlag('Host: other.example')).toEqual(['Host', 'other.example']);
  });
});

describe('header validators', () => {
  it('accept every token character and reject separators', () => {
    expect(validateHeaderName("!#$%&'*+-.^_`|~09azAZ")).toBeNull();
    for (const c of ['(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}', '"', ' ', 'é']) {
      expect(validateHeaderName(`a${c}b`), c).not.toBeNull();
    }
  });

  it('accept visible text and obs-text in values', () => {
    expect(validateHeaderValue('text/html; q=0.9, "quoted"')).toBeNull();
    expect(validateHeaderValue('café')).toBeNull();
    expect(validateHeaderValue('')).toBeNull();
  });

  it('reject DEL in values', () => {
    expect(validateHeaderValue('a\u007fb')).toMatch(/U\+007F/);
  });

  it('requestHeaderError is case-insensitive', () => {
    expect(requestHeaderError('CONTENT-LENGTH')).not.toBeNull();
    expect(requestHeaderError('Authorization')).toBeNull();
  });
});
