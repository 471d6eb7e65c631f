import { describe, expect, it } from 'vitest';
import type { InvalidTarget, PreparedTarget, Target, TargetObject } from '../../src/types.js';
import { DEFAULT_EXPECTATION } from '../../src/expect/parse.js';
import { checkFileDefaults, normalizeMethod, prepareTarget, type TargetDefaults } from '../../src/targets/normalize.js';

function valid(prepared: PreparedTarget): Target {
  if ('invalid' in prepared) throw new Error(`unexpectedly invalid: ${prepared.invalid}`);
  return prepared;
}
function invalid(prepared: PreparedTarget): InvalidTarget {
  if (!('invalid' in prepared)) throw new Error(`unexpectedly valid: ${prepared.url}`);
  return prepared;
}
const none: TargetDefaults = {};
const obj = (o: Record<string, unknown>) => o as TargetObject;

describe('prepareTarget: strings', () => {
  it('builds a complete target from a URL', () => {
    expect(prepareTarget('https://a.test:8443/x?y=1', 4, none)).toEqual({
      index: 4,
      input: 'https://a.test:8443/x?y=1',
      url: 'https://a.test:8443/x?y=1',
      protocol: 'https:',
      hostname: 'a.test',
      port: 8443,
      path: '/x?y=1',
      method: 'GET',
      headers: [],
      body: null,
    });
  });

  it('trims surrounding whitespace but keeps the input as given', () => {
    const target = valid(prepareTarget('  a.test/x \t', 0, none));
    expect(target.url).toBe('http://a.test/x');
    expect(target.input).toBe('  a.test/x \t');
  });

  it('turns each problem into a one-line reason, never an exception', () => {
    expect(invalid(prepareTarget('ftp://x.test', 2, none))).toEqual({
      index: 2,
      input: 'ftp://x.test',
      invalid: 'unsupported scheme "ftp:" (use http or https)',
    });
    expect(invalid(prepareTarget('a.test/\r\nHost: evil', 0, none)).invalid).toBe('URL contains CR at character 8');
    expect(invalid(prepareTarget('   ', 0, none)).invalid).toBe('empty URL');
  });

  it('rejects inputs that are neither strings nor objects', () => {
    for (const [input, shown] of [
      [42, 'number 42'],
      [null, 'null'],
      [['a.test'], 'an array'],
      [true, 'boolean true'],
    ] as const) {
      const result = invalid(prepareTarget(input as never, 0, none));
      expect(result.invalid).toBe(`a target must be a URL string or an object, got ${shown}`);
      expect(result.input).toBe(JSON.stringify(input));
    }
  });

  it('adds Basic authorization from user:pass@, unless a header gives one', () => {
    expect(valid(prepareTarget('http://u:p@a.test/', 0, none)).headers).toEqual([['Authorization', 'Basic dTpw']]);
    const defaults: TargetDefaults = { headers: [['authorization', 'Bearer t']] };
    expect(valid(prepareTarget('http://u:p@a.test/', 0, defaults)).headers).toEqual([['authorization', 'Bearer t']]);
  });
});

describe('prepareTarget: objects', () => {
  it('reads every field', () => {
    const input = obj({
      url: 'https://a.test/items',
      method: 'post',
      headers: { 'Content-Type': 'application/json', 'X-Count': 3 },
      body: '{"a":"é"}',
      timeout: '2.5s',
      name: 'create item',
      expect: { status: '201', bodyIncludes: 'id' },
    });
    const target = valid(prepareTarget(input, 1, none));
    expect(target).toMatchObject({
      index: 1,
      input: JSON.stringify(input),
      name: 'create item',
      url: 'https://a.test/items',
      method: 'POST',
      headers: [
        ['Content-Type', 'application/json'],
        ['X-Count', '3'],
      ],
      timeout: 2500,
      expect: { status: [[201, 201]], statusText: '201', bodyIncludes: 'id' },
    });
    expect(target.body?.toString('utf8')).toBe('{"a":"é"}');
    expect(target.body?.length).toBe(Buffer.byteLength('{"a":"é"}'));
  });

  it('takes data as an alias of body, and a number timeout as milliseconds', () => {
    const target = valid(prepareTarget(obj({ url: 'a.test', data: 'x=1', timeout: 500 }), 0, none));
    expect(target.body?.toString()).toBe('x=1');
    expect(target.timeout).toBe(500);
  });

  it('accepts shorthand in url', () => {
    expect(valid(prepareTarget(obj({ url: 'a.test:81/p' }), 0, none)).url).toBe('http://a.test:81/p');
  });

  describe('host form', () => {
    it('builds the URL from host, port and path; url means the path', () => {
      expect(valid(prepareTarget(obj({ host: 'a.test', port: 8080, path: '/x?q' }), 0, none)).url).toBe(
        'http://a.test:8080/x?q',
      );
      expect(valid(prepareTarget(obj({ host: 'a.test', url: '/y' }), 0, none)).url).toBe('http://a.test/y');
      expect(valid(prepareTarget(obj({ host: 'a.test' }), 0, none)).path).toBe('/');
    });

    it('accepts a numeric string port', () => {
      expect(valid(prepareTarget(obj({ host: 'a.test', port: '8081' }), 0, none)).port).toBe(8081);
    });

    it('is http unless host carries the scheme, whatever the port', () => {
      expect(valid(prepareTarget(obj({ host: 'a.test', port: 443 }), 0, none))).toMatchObject({
        protocol: 'http:',
        url: 'http://a.test:443/',
      });
      expect(valid(prepareTarget(obj({ host: 'https://a.test/' }), 0, none))).toMatchObject({
        protocol: 'https:',
        port: 443,
        url: 'https://a.test/',
      });
      expect(valid(prepareTarget(obj({ host: 'HTTPS://a.test', port: 8443, path: '/z' }), 0, none)).url).toBe(
        'https://a.test:8443/z',
      );
    });

    it('brackets a bare IPv6 host', () => {
      const target = valid(prepareTarget(obj({ host: '::1', port: 9000 }), 0, none));
      expect(target).toMatchObject({ hostname: '::1', url: 'http://[::1]:9000/' });
      expect(valid(prepareTarget(obj({ host: '[::1]' }), 0, none)).hostname).toBe('::1');
    });

    it.each([
      [{ host: 'a.test:80' }, 'field "host" must not include a port (use "port")'],
      [{ host: 'ftp://a.test' }, 'field "host": unsupported scheme "ftp:" (use http or https)'],
      [{ host: '' }, 'field "host" is empty'],
      [{ host: 'a.test/x' }, 'field "host" must be a host name or IP address, got "a.test/x"'],
      [{ host: 'a b' }, 'field "host" must be a host name or IP address, got "a b"'],
      [{ host: 'user@a.test' }, 'field "host" must be a host name or IP address, got "user@a.test"'],
      [{ host: 7 }, 'field "host" must be a string, got number 7'],
      [{ host: 'a<b' }, 'field "host": invalid host in "http://a<b:80/"'],
      [{ host: 'a.test', port: 'abc' }, 'field "port" must be a number, got string "abc"'],
      [{ host: 'a.test', port: true }, 'field "port" must be a number, got boolean true'],
      [{ host: 'a.test', port: 0 }, 'field "port" must be an integer from 1 to 65535, got 0'],
      [{ host: 'a.test', port: 70000 }, 'field "port" must be an integer from 1 to 65535, got 70000'],
      [{ host: 'a.test', port: '70000' }, 'field "port" must be an integer from 1 to 65535, got 70000'],
      [{ host: 'a.test', port: 80.5 }, 'field "port" must be an integer from 1 to 65535, got 80.5'],
      [{ host: 'a.test', path: '/a', url: '/b' }, 'give "path" or "url" (the path), not both'],
      [{ host: 'a.test', path: 'x' }, 'field "path" must be a path starting with "/" when "host" is given, got "x"'],
      [
        { host: 'a.test', url: 'http://b.test/' },
        'field "url" must be a path starting with "/" when "host" is given, got "http://b.test/"',
      ],
      [{ host: 'a.test', path: 5 }, 'field "path" must be a string, got number 5'],
      [{ host: 'a.test', path: '/a b' }, 'field "path" contains a space'],
      [{ host: 'a.test', path: '/a\r\nX: y' }, 'field "path" contains CR'],
    ])('refuses %j', (input, reason) => {
      expect(invalid(prepareTarget(obj(input), 0, none)).invalid).toBe(reason);
    });
  });

  it.each([
    [{}, 'missing "url" (or "host")'],
    [{ url: 5 }, 'field "url" must be a string, got number 5'],
    [{ url: 'ftp://a.test' }, 'field "url": unsupported scheme "ftp:" (use http or https)'],
    [{ url: 'a.test:0' }, 'field "url": port 0 out of range (1-65535)'],
    [{ url: 'a.test', port: 80 }, 'field "port" needs "host" (or put the port in "url")'],
    [{ url: 'a.test', path: '/x' }, 'field "path" needs "host" (or put the path in "url")'],
    [{ url: 'a.test', bdy: 'x' }, 'unknown field "bdy" (did you mean "body"?)'],
    [{ url: 'a.test', zzzzzz: 1 }, 'unknown field "zzzzzz"'],
    [{ url: 'a.test', method: 'GE T' }, 'field "method": "GE T" is not a valid method token (RFC 9110 §9.1)'],
    [{ url: 'a.test', method: 1 }, 'field "method" must be a string, got number 1'],
    [{ url: 'a.test', headers: [] }, 'field "headers" must be an object of name → value, got an array'],
    [
      { url: 'a.test', headers: { 'a b': 'x' } },
      'field "headers": header name "a b" is not a valid token (RFC 9110 §5.6.2)',
    ],
    [
      { url: 'a.test', headers: { a: 'x\r\nB: y' } },
      'field "headers": header value "x\\r\\nB: y" contains CR (RFC 9110 §5.5)',
    ],
    [{ url: 'a.test', headers: { a: 'x\0' } }, 'field "headers": header value "x\\u0000" contains NUL (RFC 9110 §5.5)'],
    [{ url: 'a.test', headers: { a: null } }, 'field "headers": value of "a" must be a string or number, got null'],
    [
      { url: 'a.test', headers: { a: Number.NaN } },
      'field "headers": value of "a" must be a string or number, got number NaN',
    ],
    [
      { url: 'a.test', headers: { 'Content-Length': 3 } },
      'field "headers": header "Content-Length" is set by fetch-many from the body (RFC 9112 §6)',
    ],
    [{ url: 'a.test', body: 'a', data: 'b' }, 'give "body" or "data" (an alias), not both'],
    [{ url: 'a.test', body: { a: 1 } }, 'field "body" must be a string, got an object'],
    [{ url: 'a.test', data: 1 }, 'field "data" must be a string, got number 1'],
    [{ url: 'a.test', timeout: 'soon' }, 'field "timeout": invalid duration "soon" (use e.g. 250ms, 2s, 1.5m)'],
    [{ url: 'a.test', timeout: 0 }, 'field "timeout": invalid duration 0: must be greater than 0'],
    [
      { url: 'a.test', timeout: null },
      'field "timeout" must be a duration like "2s" or a number of milliseconds, got null',
    ],
    [
      { url: 'a.test', expect: { status: 'abc' } },
      'field "expect.status": bad status "abc" in "abc" (use e.g. 200, 200-299, 2xx or a comma list)',
    ],
    [{ url: 'a.test', expect: 200 }, 'field "expect" must be an object, got number 200'],
    [{ url: 'a.test', name: 5 }, 'field "name" must be a string, got number 5'],
    [{ url: 'a.test', name: 'a\nb' }, 'field "name" contains a control character'],
  ])('refuses %j', (input, reason) => {
    const result = invalid(prepareTarget(obj(input), 3, none));
    expect(result).toEqual({ index: 3, input: JSON.stringify(input), invalid: reason });
  });

  it('keeps the name on an invalid target when the name itself is fine', () => {
    expect(invalid(prepareTarget(obj({ name: 'login', url: 'ftp://x' }), 0, none))).toMatchObject({
      name: 'login',
      invalid: expect.stringMatching(/unsupported scheme/),
    });
  });

  it('never throws, even on objects JSON cannot show or getters that throw', () => {
    const circular: Record<string, unknown> = { url: 'a.test' };
    circular.self = circular;
    expect(invalid(prepareTarget(circular as TargetObject, 0, none)).invalid).toMatch(/unknown field "self"/);
    const hostile = Object.defineProperty({}, 'url', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(invalid(prepareTarget(hostile as TargetObject, 0, none)).invalid).toBe('boom');
  });

  it('accepts non-standard methods keeping their case, upper-cases standard ones', () => {
    expect(valid(prepareTarget(obj({ url: 'a.test', method: 'delete' }), 0, none)).method).toBe('DELETE');
    expect(valid(prepareTarget(obj({ url: 'a.test', method: 'Purge' }), 0, none)).method).toBe('Purge');
  });
});

describe('normalizeMethod', () => {
  it('upper-cases the standard methods only', () => {
    expect(
      ['get', 'Head', 'post', 'put', 'delete', 'options', 'patch', 'trace', 'connect'].map(normalizeMethod),
    ).toEqual(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT']);
    expect(normalizeMethod('PROPFIND')).toBe('PROPFIND');
    expect(normalizeMethod('mkcol')).toBe('mkcol');
  });
  it('returns null for a non-token', () => {
    expect(normalizeMethod('')).toBeNull();
    expect(normalizeMethod('GET\r\n')).toBeNull();
    expect(normalizeMethod('G T')).toBeNull();
  });
});

describe('precedence: target > CLI defaults > file defaults', () => {
  const cli: TargetDefaults = {
    method: 'put',
    headers: [
      ['X-Cli', 'c'],
      ['x-shared', 'cli'],
      ['X-Multi', '1'],
      ['X-Multi', '2'],
    ],
    body: 'cli body',
    timeout: 3000,
    expect: { status: [[200, 200]], statusText: '200' },
  };
  const file = obj({
    method: 'PATCH',
    headers: { 'X-File': 'f', 'X-SHARED': 'file', 'x-multi': 'file' },
    body: 'file body',
    timeout: '9s',
    expect: { status: '5xx', maxTime: '1s' },
  });

  it('uses file defaults when nothing else is set', () => {
    const target = valid(prepareTarget('a.test', 0, none, file));
    expect(target.method).toBe('PATCH');
    expect(target.headers).toEqual([
      ['X-File', 'f'],
      ['X-SHARED', 'file'],
      ['x-multi', 'file'],
    ]);
    expect(target.body?.toString()).toBe('file body');
    expect(target.timeout).toBe(9000);
    expect(target.expect).toEqual({ status: [[500, 599]], statusText: '5xx', maxTime: 1000 });
  });

  it('lets CLI defaults beat file defaults; headers merge by case-insensitive name', () => {
    const target = valid(prepareTarget('a.test', 0, cli, file));
    expect(target.method).toBe('PUT');
    expect(target.headers).toEqual([
      ['X-File', 'f'],
      ['X-Cli', 'c'],
      ['x-shared', 'cli'],
      ['X-Multi', '1'],
      ['X-Multi', '2'],
    ]);
    expect(target.body?.toString()).toBe('cli body');
    expect(target.timeout).toBe(3000);
    // Field by field: the CLI's status, the file's maxTime.
    expect(target.expect).toEqual({ status: [[200, 200]], statusText: '200', maxTime: 1000 });
  });

  it("lets the target's own fields beat both", () => {
    const input = obj({
      url: 'a.test',
      method: 'HEAD',
      headers: { 'x-cli': 'target', 'X-Own': 'o' },
      body: 'own',
      timeout: 1000,
      expect: { bodyIncludes: 'yes' },
    });
    const target = valid(prepareTarget(input, 0, cli, file));
    expect(target.method).toBe('HEAD');
    expect(target.headers).toEqual([
      ['X-File', 'f'],
      ['x-shared', 'cli'],
      ['X-Multi', '1'],
      ['X-Multi', '2'],
      ['x-cli', 'target'],
      ['X-Own', 'o'],
    ]);
    expect(target.body?.toString()).toBe('own');
    expect(target.timeout).toBe(1000);
    expect(target.expect).toEqual({ status: [[200, 200]], statusText: '200', maxTime: 1000, bodyIncludes: 'yes' });
  });

  it('leaves timeout and expect unset when no level sets them, so the run-wide ones apply', () => {
    const target = valid(prepareTarget('a.test', 0, none));
    expect('timeout' in target).toBe(false);
    expect('expect' in target).toBe(false);
  });

  it('builds a target expect over the default when no level gives one', () => {
    const target = valid(prepareTarget(obj({ url: 'a.test', expect: { maxTime: 2000 } }), 0, none));
    expect(target.expect).toEqual({ ...DEFAULT_EXPECTATION, maxTime: 2000 });
  });

  it('reports broken CLI defaults on every target', () => {
    const broken: TargetDefaults = { headers: [['bad name', 'x']] };
    expect(invalid(prepareTarget('a.test', 0, broken)).invalid).toMatch(
      /^defaults: field "headers": header name "bad name"/,
    );
    expect(invalid(prepareTarget('a.test', 0, { method: 'G T' })).invalid).toMatch(/^defaults: field "method"/);
    expect(invalid(prepareTarget('a.test', 0, { timeout: -1 })).invalid).toMatch(/^defaults: timeout must be/);
  });

  it('reports broken file defaults on every target from that file', () => {
    expect(invalid(prepareTarget('a.test', 0, none, obj({ timeout: 'x' }))).invalid).toMatch(
      /^defaults: field "timeout"/,
    );
  });
});

describe('checkFileDefaults', () => {
  it('accepts the settable fields', () => {
    expect(
      checkFileDefaults({ method: 'GET', headers: { a: 'b' }, data: 'x', timeout: 2000, expect: { status: 200 } }),
    ).toBeNull();
    expect(checkFileDefaults({})).toBeNull();
  });
  it.each([
    [[], '"defaults" must be an object, got an array'],
    [{ url: 'a.test' }, 'defaults: unknown field "url"'],
    [{ nmae: 'x' }, 'defaults: unknown field "nmae"'],
    [{ hedaers: {} }, 'defaults: unknown field "hedaers" (did you mean "headers"?)'],
    [
      { headers: { 'a:b': 'c' } },
      'defaults: field "headers": header name "a:b" is not a valid token (RFC 9110 §5.6.2)',
    ],
    [
      { expect: { status: 'x' } },
      'defaults: field "expect.status": bad status "x" in "x" (use e.g. 200, 200-299, 2xx or a comma list)',
    ],
  ])('refuses %j', (value, reason) => {
    expect(checkFileDefaults(value)).toBe(reason);
  });
});
