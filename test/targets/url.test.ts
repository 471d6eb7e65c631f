import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSimpleUrl, parseTargetUrl } from '../../src/targets/url.js';

function reason(text: string): string {
  try {
    parseTargetUrl(text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseTargetUrl', () => {
  it('parses absolute http and https URLs', () => {
    expect(parseTargetUrl('https://Example.COM:8443/a/b?x=1&y=2')).toEqual({
      url: 'https://example.com:8443/a/b?x=1&y=2',
      protocol: 'https:',
      hostname: 'example.com',
      port: 8443,
      path: '/a/b?x=1&y=2',
      authorization: undefined,
    });
    expect(parseTargetUrl('HTTP://x.org').url).toBe('http://x.org/');
  });

  it('fills in default ports and drops them from the url', () => {
    expect(parseTargetUrl('http://a.test:80/').url).toBe('http://a.test/');
    expect(parseTargetUrl('https://a.test').port).toBe(443);
    expect(parseTargetUrl('http://a.test').port).toBe(80);
  });

  it('reads shorthand host[:port][/path] as http', () => {
    expect(parseTargetUrl('example.com')).toMatchObject({ url: 'http://example.com/', port: 80, path: '/' });
    expect(parseTargetUrl('localhost:8080/health?full=1')).toMatchObject({
      url: 'http://localhost:8080/health?full=1',
      hostname: 'localhost',
      port: 8080,
      path: '/health?full=1',
    });
    expect(parseTargetUrl('10.0.0.1:9000').hostname).toBe('10.0.0.1');
  });

  it('strips IPv6 brackets from the hostname only', () => {
    const parsed = parseTargetUrl('http://[::1]:8080/x');
    expect(parsed.hostname).toBe('::1');
    expect(parsed.url).toBe('http://[::1]:8080/x');
    expect(parseTargetUrl('[2001:db8::1]/y').hostname).toBe('2001:db8::1');
  });

  it('drops the fragment, which is never sent', () => {
    const parsed = parseTargetUrl('http://a.test/p?q=1#frag');
    expect(parsed.url).toBe('http://a.test/p?q=1');
    expect(parsed.path).toBe('/p?q=1');
    expect(parseTargetUrl('http://a.test/#').url).toBe('http://a.test/');
  });

  it('normalizes like WHATWG: dot segments, percent-encoding, IDNA, IPv4 forms', () => {
    expect(parseTargetUrl('http://a.test/x/../y/./z').path).toBe('/y/z');
    expect(parseTargetUrl('http://a.test/a"b').path).toBe('/a%22b');
    expect(parseTargetUrl('https://münchen.de/').hostname).toBe('xn--mnchen-3ya.de');
    expect(parseTargetUrl('http://0x7f.1/').hostname).toBe('127.0.0.1');
  });

  it('turns user:pass@ into Basic authorization and removes it from the url', () => {
    const parsed = parseTargetUrl('http://al%40ice:s3cr%3At@a.test/');
    expect(parsed.url).toBe('http://a.test/');
    expect(parsed.authorization).toMatch(/^Basic /);
    const decoded = Buffer.from((parsed.authorization ?? '').slice(6), 'base64').toString('utf8');
    expect(decoded).toBe('al@ice:s3cr:t');
    expect(parseTargetUrl('bob:pw@a.test/x')).toMatchObject({ hostname: 'a.test', path: '/x' });
  });

  it.each([
    ['ftp://files.test/x', 'unsupported scheme "ftp:" (use http or https)'],
    ['file:///etc/passwd', 'unsupported scheme "file:" (use http or https)'],
    ['file:/etc/passwd', 'unsupported scheme "file:" (use http or https)'],
    ['javascript:alert(1)', 'unsupported scheme "javascript:" (use http or https)'],
    ['WS://a.test', 'unsupported scheme "ws:" (use http or https)'],
    ['http:a.test', '"http:" must be followed by "//"'],
    ['', 'empty URL'],
    ['http://', 'missing host'],
    ['http:///a.test/x', 'missing host'],
    ['/just/a/path', 'missing host'],
    [':8080/x', 'missing host'],
    ['http://a.test:0/', 'port 0 out of range (1-65535)'],
    ['a.test:70000', 'port 70000 out of range (1-65535)'],
    ['http://a.test:8o/', 'invalid port "8o"'],
    ['http://::1/', 'IPv6 address must be in brackets (e.g. http://[::1]:8080/)'],
    ['http://[::1/', 'unclosed "[" in IPv6 address'],
    ['http://[::1]x/', 'unexpected "x" after IPv6 address'],
    ['http://1.2.3.256/', 'invalid host in "http://1.2.3.256/"'],
    ['http://a<b/', 'invalid host in "http://a<b/"'],
  ])('refuses %j: %s', (text, message) => {
    expect(reason(text)).toBe(message);
  });

  it.each([
    ['http://a.test/a b', 'a space'],
    ['http://a.test/a\tb', 'a tab'],
    ['http://a.test/\r', 'CR'],
    ['http://a.\ntest/', 'LF'],
    ['http://a.test/\0', 'NUL'],
    ['http://a.test/\u001b', 'control character U+001B'],
    ['http://a.test/\u0085', 'control character U+0085'],
    ['http://a.test/\u007f', 'control character U+007F'],
    ['http://a.test/\ufffd', 'bytes that are not valid UTF-8'],
  ])('refuses %j instead of letting WHATWG strip it (contains %s)', (text, what) => {
    // The position names where: the first bad character, counted from 1.
    const at = [...text].findIndex((c) => /[\u0000-\u0020\u007f-\u009f\ufffd]/.test(c)) + 1;
    expect(reason(text)).toBe(`URL contains ${what} at character ${at}`);
  });
});

describe('parseSimpleUrl (fast path)', () => {
  /** What the full WHATWG path makes of a string. */
  function viaWhatwg(text: string) {
    const u = new URL(/^https?:\/\//i.test(text) ? text : `http://${text}`);
    const protocol = u.protocol;
    return {
      url: u.href,
      protocol,
      hostname: u.hostname,
      port: u.port === '' ? (protocol === 'https:' ? 443 : 80) : Number(u.port),
      path: u.pathname + u.search,
      authorization: undefined,
    };
  }

  const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,6}$/);
  const host = fc.oneof(
    { arbitrary: fc.array(label, { minLength: 1, maxLength: 4 }).map((labels) => labels.join('.')), weight: 4 },
    {
      arbitrary: fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 5 }).map((ns) => ns.join('.')),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(
        'xn--mnchen-3ya.de',
        'xn--a.b',
        'a..b',
        '.a',
        'a.',
        '0x7f.1',
        '1.2.3.04',
        '01.2.3.4',
        'LocalHost',
      ),
      weight: 1,
    },
  );
  const port = fc.oneof(
    fc.constant(''),
    fc.integer({ min: 0, max: 70_000 }).map((n) => `:${n}`),
    fc.integer({ min: 1, max: 65_535 }).map((n) => `:${n}`),
    fc.constantFrom(':080', ':', ':80', ':443'),
  );
  const segment = fc.oneof(
    { arbitrary: fc.stringMatching(/^[a-zA-Z0-9\-._~!$&'()*+,;=:@]{0,5}$/), weight: 6 },
    { arbitrary: fc.stringMatching(/^[a-zA-Z0-9\-._~!$&'()*+,;=:@%"<>`{}|^\\]{0,5}$/), weight: 1 },
    { arbitrary: fc.constantFrom('.', '..', '%2e', '%2E%2e', ''), weight: 1 },
  );
  const path = fc.oneof(
    fc.constant(''),
    fc.array(segment, { maxLength: 4 }).map((s) => `/${s.join('/')}`),
  );
  const query = fc.oneof(
    { arbitrary: fc.constant(''), weight: 2 },
    { arbitrary: fc.stringMatching(/^\?[a-zA-Z0-9\-._~!$&()*+,;=:@/?]{1,6}$/), weight: 2 },
    { arbitrary: fc.stringMatching(/^\?[a-zA-Z0-9\-._~!$&'()*+,;=:@/?%"<>#]{0,6}$/), weight: 1 },
  );
  const scheme = fc.constantFrom('', 'http://', 'https://', 'HTTP://', 'Https://');
  const urlText = fc.tuple(scheme, host, port, path, query).map((parts) => parts.join(''));

  it('gives exactly what WHATWG gives, whenever it applies', () => {
    let fast = 0;
    fc.assert(
      fc.property(urlText, (text) => {
        const simple = parseSimpleUrl(text);
        if (simple === null) return;
        fast++;
        expect(simple).toEqual(viaWhatwg(text));
      }),
      { numRuns: 5000 },
    );
    // The generator must actually exercise the fast path, or this test proves nothing.
    expect(fast).toBeGreaterThan(400);
  });

  it('declines what it cannot do exactly', () => {
    for (const text of [
      'http://a.test/x/../y',
      'http://a.test/%41',
      'http://xn--mnchen-3ya.de/',
      'http://1.2.3/',
      'http://01.2.3.4/',
      'http://a.test/#f',
      'http://a.test/?',
      'http://u@a.test/',
      'HTTP://a.test/',
    ]) {
      expect(parseSimpleUrl(text), text).toBeNull();
    }
  });

  it('handles the common shapes', () => {
    expect(parseSimpleUrl('api.example.com:8080/v1/items?id=3')).toEqual(
      viaWhatwg('api.example.com:8080/v1/items?id=3'),
    );
    expect(parseSimpleUrl('https://127.0.0.1:443/')).toEqual(viaWhatwg('https://127.0.0.1:443/'));
  });
});
