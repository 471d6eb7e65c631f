import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/report/redact.js';
import { makeError, makeResult } from './helpers.js';

describe('createRedactor', () => {
  const redact = createRedactor({ headers: ['X-Token'], values: ['cli-secret-value'] });

  it('redacts sensitive header values in an object input, any case, short ones too', () => {
    const input = JSON.stringify({
      url: 'http://h/',
      headers: { AUTHORIZATION: 'a', Cookie: 'c=1', 'x-token': 'tt', Accept: 'text/plain' },
    });
    const out = redact(makeResult({ input }));
    expect(JSON.parse(out.input)).toEqual({
      url: 'http://h/',
      headers: { AUTHORIZATION: '***', Cookie: '***', 'x-token': '***', Accept: 'text/plain' },
    });
  });

  it('redacts a URL password, plain, percent-encoded or shorthand, and keeps the user', () => {
    expect(redact(makeResult({ input: 'http://u:p%40ss@h/x' })).input).toBe('http://u:***@h/x');
    expect(redact(makeResult({ input: 'u:pw@h:8080/x' })).input).toBe('u:***@h:8080/x');
    const proxy = makeError(0, { code: 'proxy', message: 'proxy http://me:hunter2@127.0.0.1:3128 refused' });
    expect(redact(proxy).error?.message).toBe('proxy http://me:***@127.0.0.1:3128 refused');
  });

  it('redacts a value found in the input wherever a message quotes it, even cut at 60 characters', () => {
    const long = `s${'x'.repeat(80)}`;
    const input = JSON.stringify({ url: 'http://h/', headers: { Cookie: `${long}\r` } });
    const cut = `${long}\r`.slice(0, 60);
    const message = `header value ${JSON.stringify(`${cut}…`)} contains CR`;
    const out = redact(makeError(0, { code: 'invalid_target', message }, { input, url: null }));
    expect(out.error?.message).not.toContain('xxxxxxxxxx');
    expect(out.error?.message).toContain('***');
  });

  it('redacts run-wide values and the quoted values of a failed expectation on a sensitive header', () => {
    const out = redact(
      makeResult({
        ok: false,
        failures: [
          'header set-cookie is "sid=42", not "x"',
          'body lacks "cli-secret-value"',
          'header etag is "a", not "b"',
        ],
      }),
    );
    expect(out.failures).toEqual([
      'header set-cookie is "***", not "***"',
      'body lacks "***"',
      'header etag is "a", not "b"',
    ]);
  });

  it('redacts a number value and leaves an object value whole (the JSON text stays balanced)', () => {
    const input = JSON.stringify({ url: 'http://h/', headers: { Cookie: 12345, Authorization: { a: 1 } } });
    const out = redact(makeResult({ input }));
    expect(JSON.parse(out.input)).toEqual({ url: 'http://h/', headers: { Cookie: '***', Authorization: { a: 1 } } });
  });

  it('returns the same object when there is nothing to redact', () => {
    const r = makeResult();
    expect(redact(r)).toBe(r);
  });
});
