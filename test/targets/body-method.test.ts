/**
 * Issue 9 item 4: a body without a method means POST, as curl's -d — for a target's own body, a
 * file's defaults and the CLI/library defaults alike; and -d's form Content-Type goes only with
 * the body it came with.
 */
import { describe, expect, it } from 'vitest';
import type { PreparedTarget, Target } from '../../src/types.js';
import { DEFAULT_EXPECTATION } from '../../src/expect/parse.js';
import { prepareTarget, type TargetDefaults } from '../../src/targets/normalize.js';

function valid(t: PreparedTarget): Target {
  if ('invalid' in t) throw new Error(t.invalid);
  return t;
}
const FORM = 'application/x-www-form-urlencoded';

describe('a body without a method', () => {
  it('is a POST, whichever layer gave the body', () => {
    expect(valid(prepareTarget({ url: 'a.test', body: 'x' }, 0, {})).method).toBe('POST');
    expect(valid(prepareTarget({ url: 'a.test', data: '' }, 0, {})).method).toBe('POST');
    expect(valid(prepareTarget('a.test', 0, { body: 'x' })).method).toBe('POST');
    expect(valid(prepareTarget('a.test', 0, {}, { body: 'x' })).method).toBe('POST');
    expect(valid(prepareTarget('a.test', 0, {})).method).toBe('GET');
  });

  it('keeps any method that was given, at any layer', () => {
    expect(valid(prepareTarget({ url: 'a.test', body: 'x', method: 'PUT' }, 0, {})).method).toBe('PUT');
    expect(valid(prepareTarget('a.test', 0, { body: 'x', method: 'PATCH' })).method).toBe('PATCH');
    expect(valid(prepareTarget('a.test', 0, { body: 'x' }, { method: 'GET' })).method).toBe('GET');
  });

  it('takes a Buffer body as is', () => {
    const bytes = Buffer.from([0, 255, 10]);
    expect(valid(prepareTarget('a.test', 0, { body: bytes })).body).toEqual(bytes);
  });
});

describe('bodyContentType (the CLI -d form type)', () => {
  const cli: TargetDefaults = { body: 'a=1', bodyContentType: FORM };

  it('is sent with the CLI body when no Content-Type is set', () => {
    expect(valid(prepareTarget('a.test', 0, cli)).headers).toEqual([['Content-Type', FORM]]);
  });

  it('gives way to a Content-Type from -H, the file or the target', () => {
    const withHeader = { ...cli, headers: [['content-type', 'text/plain'] as const] };
    expect(valid(prepareTarget('a.test', 0, withHeader)).headers).toEqual([['content-type', 'text/plain']]);
    const fileDefaults = { headers: { 'Content-Type': 'application/json' } };
    expect(valid(prepareTarget('a.test', 0, cli, fileDefaults)).headers).toEqual([
      ['Content-Type', 'application/json'],
    ]);
    const own = valid(prepareTarget({ url: 'a.test', headers: { 'content-type': 'x/y' } }, 0, cli));
    expect(own.headers).toEqual([['content-type', 'x/y']]);
  });

  it('is not sent with a body of the target or the file', () => {
    const own = valid(prepareTarget({ url: 'a.test', body: 'own' }, 0, cli));
    expect([own.body?.toString(), own.headers]).toEqual(['own', []]);
    expect(valid(prepareTarget('a.test', 0, { bodyContentType: FORM }, { body: 'file' })).headers).toEqual([]);
  });
});

describe("CLI expectation flags over a file's defaults.expect", () => {
  it('override only the fields they give', () => {
    const file = { expect: { status: '404', maxTime: '2s' } };
    const target = valid(prepareTarget('a.test', 0, { expect: { bodyIncludes: 'x' } }, file));
    expect(target.expect).toEqual({ status: [[404, 404]], statusText: '404', maxTime: 2000, bodyIncludes: 'x' });
    const alone = valid(prepareTarget('a.test', 0, { expect: { bodyIncludes: 'x' } }));
    expect(alone.expect).toEqual({ ...DEFAULT_EXPECTATION, bodyIncludes: 'x' });
  });
});
