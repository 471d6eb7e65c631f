/**
 * src/expect/check.ts, the engine's one way into expectations: the head, the body as it streams,
 * the end — and the failures in the order a result lists them.
 */
import { describe, expect, it } from 'vitest';
import { acceptsStatus, BodyCheck, checkEnd, checkHead, type FailureSink } from '../../src/expect/check.js';
import { buildExpectation, DEFAULT_EXPECTATION } from '../../src/expect/parse.js';
import type { ExpectObject } from '../../src/types.js';

function compiled(obj: ExpectObject) {
  return buildExpectation(obj, DEFAULT_EXPECTATION);
}

function sink(): FailureSink & { failed: string[] } {
  const failed: string[] = [];
  return { failed, fail: (text) => failed.push(text) };
}

/** Runs a whole response through the checks, the body pushed in the pieces given. */
function check(obj: ExpectObject, status: number, fields: string[], pieces: string[], hold = true): string[] {
  const exp = compiled(obj);
  const to = sink();
  checkHead(exp, status, fields, to);
  const body = BodyCheck.start(exp);
  if (hold) body?.hold(1024);
  for (const piece of pieces) {
    const buf = Buffer.from(`xx${piece}yy`);
    body?.push(buf, 2, buf.length - 2);
  }
  checkEnd(exp, body, 20, null, to);
  return to.failed;
}

describe('acceptsStatus', () => {
  it('is true inside any of the ranges, bounds included', () => {
    const exp = compiled({ status: '200,204,300-302' });
    expect([200, 204, 300, 302].map((s) => acceptsStatus(exp, s))).toEqual([true, true, true, true]);
    expect([201, 299, 303, 503].map((s) => acceptsStatus(exp, s))).toEqual([false, false, false, false]);
  });
});

describe('the checks of one response', () => {
  it('list what failed in order: status, headers, body text, json, regex, time, certificate', () => {
    const failed = check(
      {
        status: '2xx',
        header: { 'content-type': 'application/json', 'x-b': { includes: 'b' } },
        bodyIncludes: 'needle',
        json: { '$.a': 1 },
        bodyMatches: '^z',
        maxTime: '10ms',
        certDaysLeft: 1,
      },
      503,
      ['content-type', 'text/html', 'x-b', 'aaa'],
      ['{"a":', '2}'],
    );
    expect(failed).toEqual([
      'status 503 not in 2xx',
      'header content-type is "text/html", expected "application/json" (before any ";")',
      'header x-b is "aaa", expected to include "b"',
      'body does not include "needle"',
      'json $.a is 2, not 1',
      'body does not match /^z/',
      'time 20 ms > 10 ms',
      'no TLS certificate',
    ]);
  });

  it('a header is checked on its first field line', () => {
    expect(check({ header: { 'x-a': '1' } }, 200, ['x-a', '1', 'x-a', '2'], [])).toEqual([]);
    expect(check({ header: { 'x-a': '2' } }, 200, ['x-a', '1', 'x-a', '2'], [])).toEqual([
      'header x-a is "1", expected "2" (before any ";")',
    ]);
  });

  it('finds bodyIncludes split at every point, and not when it is not there', () => {
    const body = 'the needle is here';
    for (let a = 0; a <= body.length; a++) {
      for (let b = a; b <= body.length; b++) {
        const pieces = [body.slice(0, a), body.slice(a, b), body.slice(b)];
        expect(check({ bodyIncludes: 'needle' }, 200, [], pieces)).toEqual([]);
        expect(check({ bodyIncludes: 'needles' }, 200, [], pieces)).toEqual(['body does not include "needles"']);
      }
    }
  });

  it('runs json and bodyMatches only on a body it was told to hold', () => {
    const exp = { json: { '$.a': 1 } };
    expect(check(exp, 200, [], ['{"a":2}'], true)).toEqual(['json $.a is 2, not 1']);
    expect(check(exp, 200, [], ['{"a":2}'], false)).toEqual([]);
  });

  it('says a body over the limit was not checked', () => {
    const exp = compiled({ bodyMatches: 'x' });
    const body = BodyCheck.start(exp);
    body?.hold(4);
    const chunk = Buffer.from('xxxxx');
    body?.push(chunk, 0, chunk.length);
    const to = sink();
    checkEnd(exp, body, 1, null, to);
    expect(to.failed).toEqual(['body over 4 bytes, not checked']);
  });

  it('makes no body check for an expectation that reads no body', () => {
    expect(BodyCheck.start(compiled({ status: '200', header: { a: 'b' }, maxTime: '1s' }))).toBeNull();
    expect(BodyCheck.start(compiled({ bodyIncludes: 'a' }))?.holdsBody).toBe(false);
    expect(BodyCheck.start(compiled({ bodyMatches: 'a' }))?.holdsBody).toBe(true);
  });

  it('checks the certificate days left', () => {
    const exp = compiled({ certDaysLeft: 10 });
    const days = (left: number | null) => {
      const to = sink();
      checkEnd(exp, null, 1, left, to);
      return to.failed;
    };
    expect(days(30)).toEqual([]);
    expect(days(10)).toEqual([]);
    expect(days(9)).toEqual(['certificate expires in 9 days (< 10)']);
    expect(days(-2)).toEqual(['certificate expired 2 days ago (< 10)']);
    expect(days(null)).toEqual(['no TLS certificate']);
  });
});
