import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../src/report/redact.js';
import { makeError, makeResult } from './helpers.js';

describe('createRedactor', () => {
  const redact = createRedactor({ headers: ['X-Token'], secrets: ['cli-secret-value'] });

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

  it('masks a number or an object value whole (the JSON text stays valid)', () => {
    const input = JSON.stringify({ url: 'http://h/', headers: { Cookie: 12345, Authorization: { a: 'tok-1' } } });
    const out = redact(makeResult({ input }));
    expect(JSON.parse(out.input)).toEqual({ url: 'http://h/', headers: { Cookie: '***', Authorization: '***' } });
  });

  it('masks the user info only: a password that also appears in the path stays in the path (issue 22)', () => {
    const url = 'http://alice:s3cret@host/basic-auth/alice/s3cret';
    const out = redact(makeResult({ input: url, url, finalUrl: url, redirects: [{ status: 302, url }] }));
    const shown = 'http://alice:***@host/basic-auth/alice/s3cret';
    expect(out.input).toBe(shown);
    expect(out.url).toBe(shown);
    expect(out.finalUrl).toBe(shown);
    expect(out.redirects[0]?.url).toBe(shown);
    const inObject = redact(makeResult({ input: JSON.stringify({ url, name: 'x' }), url, finalUrl: url }));
    expect(JSON.parse(inObject.input)).toEqual({ url: shown, name: 'x' });
    expect(inObject.finalUrl).toBe(shown);
  });

  it('takes the user info up to the last @ of the authority, and leaves a user name alone', () => {
    expect(redact(makeResult({ input: 'https://a@b:p@w@h/x@y:z' })).input).toBe('https://a@b:***@h/x@y:z');
    expect(redact(makeResult({ input: 'https://token@h/a:b@c' })).input).toBe('https://token@h/a:b@c');
    expect(redact(makeResult({ input: '  u:pw@h/' })).input).toBe('  u:***@h/');
  });

  it('shows a body over 1 KiB as its size and digest, a short one as given', () => {
    const big = JSON.stringify({ url: 'http://h/', body: `{"k":"${'v'.repeat(5000)}"}` });
    const out = redact(makeResult({ input: big }));
    expect(out.input).not.toContain('vvvv');
    const shown = JSON.parse(out.input) as { url: string; body: string };
    expect(shown.url).toBe('http://h/');
    expect(shown.body).toMatch(/^<5008 bytes not shown, fnv1a [0-9a-f]{8}>$/);
    // Another body of the same size shows another digest: --resume still sees the change.
    const other = redact(makeResult({ input: big.replace('vvvv', 'vvvw') }));
    expect(other.input).not.toBe(out.input);
    const small = JSON.stringify({ url: 'http://h/', data: 'a=1' });
    expect(redact(makeResult({ input: small })).input).toBe(small);
  });

  it('masks run-wide secrets everywhere, URLs and input included', () => {
    const url = 'http://h/cli-secret-value/x';
    const out = redact(makeResult({ input: url, url, finalUrl: url, name: 'n cli-secret-value' }));
    expect([out.input, out.url, out.finalUrl, out.name]).toEqual([
      'http://h/***/x',
      'http://h/***/x',
      'http://h/***/x',
      'n ***',
    ]);
  });

  it('handles broken JSON text and deeply nested text in one linear walk', () => {
    const broken = '{"url":"http://u:pw@h/","headers":{"Cookie":"c-secret-1';
    expect(redact(makeResult({ input: broken })).input).toBe('{"url":"http://u:***@h/","headers":{"Cookie":"***"');
    const deep = `${'{"a":'.repeat(50_000)}{"Authorization":"tok-deep"}${'}'.repeat(50_000)}`;
    const out = redact(makeResult({ input: deep }));
    expect(out.input).not.toContain('tok-deep');
    expect(out.input.length).toBe(deep.length - 'tok-deep'.length + 3);
  });

  it('returns the same object when there is nothing to redact', () => {
    const r = makeResult();
    expect(redact(r)).toBe(r);
  });
});

describe('an input cut short (an over-long line shown as its head and …)', () => {
  const redact = createRedactor();
  it('masks after the first colon of an authority that runs to the cut', () => {
    expect(redact(makeResult({ input: 'http://user:PASSWORDabc…' })).input).toBe('http://user:***…');
    expect(redact(makeResult({ input: 'user:PASSWORDabc…' })).input).toBe('user:***…');
    expect(redact(makeResult({ input: '{"url":"http://user:PASSWORDabc…' })).input).toBe('{"url":"http://user:***…"');
    expect(redact(makeResult({ input: '{"headers":{"Cookie":"abc…' })).input).toBe('{"headers":{"Cookie":"***"');
    // A path ends the authority: nothing to guess.
    expect(redact(makeResult({ input: 'http://h:80/abc…' })).input).toBe('http://h:80/abc…');
  });
});
