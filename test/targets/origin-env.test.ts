// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the syntax under test, not a template
/**
 * Issue 19, item 5, the pure parts: origins as users write them, and `${env:NAME}` resolution
 * (linear scan, escapes, errors naming the field), plus the library's `origins` option.
 */
import { describe, expect, it } from 'vitest';
import { fetchMany, OptionError, type Result } from '../../src/index.js';
import { Readable } from 'node:stream';
import { jsonMayReferToEnv, resolveEnv } from '../../src/targets/env.js';
import { openSources, type SourceItem } from '../../src/targets/read/sources.js';
import { originKey, parseOrigin, readOrigins } from '../../src/targets/origin.js';
import { startHttpServer } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();

describe('parseOrigin', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com:443'],
    ['HTTPS://API.Example.COM:443/', 'https://api.example.com:443'],
    ['http://127.0.0.1', 'http://127.0.0.1:80'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
    ['https://[::1]', 'https://[::1]:443'],
  ])('%s is %s', (text, key) => {
    expect(parseOrigin(text)).toBe(key);
  });

  it('matches the key of a request to it', () => {
    expect(originKey({ protocol: 'http:', hostname: '::1', port: 8080 })).toBe(parseOrigin('http://[::1]:8080'));
  });

  it.each([
    ['api.example.com', /must start with http:\/\/ or https:\/\//],
    ['ftp://api.example.com', /must start with http:\/\/ or https:\/\//],
    ['https://', /has no host/],
    ['https://api.example.com/v1', /without a path, query or fragment/],
    ['https://api.example.com?x', /without a path, query or fragment/],
    ['https://api.example.com#x', /without a path, query or fragment/],
    ['https://user:pw@api.example.com', /without user info/],
    ['https://api.example.com:0', /invalid port/],
    ['https://api.example.com:65536', /invalid port/],
    ['https://api.example.com:', /invalid port/],
    ['https://api example.com', /contains a space/],
    ['https://exa\u0000mple.com', /contains NUL/],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseOrigin(text)).toThrow(message);
  });
});

describe('readOrigins', () => {
  it('turns user into Basic auth unless headers give an Authorization, and merges two spellings', () => {
    const origins = readOrigins({
      'https://a.example.com': { user: 'u:p', headers: { 'X-K': '1' } },
      'https://a.example.com:443/': { headers: { 'X-K': '2' } },
      'https://b.example.com': { user: 'u:p', headers: { authorization: 'Bearer t' } },
    });
    expect(origins.get('https://a.example.com:443')).toEqual([
      ['Authorization', `Basic ${Buffer.from('u:p').toString('base64')}`],
      ['X-K', '2'],
    ]);
    expect(origins.get('https://b.example.com:443')).toEqual([['authorization', 'Bearer t']]);
  });

  it.each([
    [[], /must be an object of origin/],
    [{ 'https://a.example.com': 'u:p' }, /must be an object with "headers" and\/or "user"/],
    [{ 'https://a.example.com': { users: 'u:p' } }, /unknown field "users" \(did you mean "user"\?\)/],
    [{ 'https://a.example.com': { user: 'nopassword' } }, /needs user:password/],
    [{ 'https://a.example.com': { headers: { 'Bad Name': 'x' } } }, /is not a valid token/],
  ])('%j is refused', (value, message) => {
    expect(() => readOrigins(value)).toThrow(message);
    // The password is never echoed.
    expect(() => readOrigins(value)).not.toThrow(/nopassword/);
  });
});

describe('resolveEnv', () => {
  const lookup = () => ({ env: { TOKEN: 'tok-123', EMPTY: '' }, secrets: new Set<string>() });

  it('resolves every string value, keeps keys, and leaves an object without ${env: untouched', () => {
    const l = lookup();
    const input = {
      url: 'http://x/?k=${env:TOKEN}',
      headers: { '${env:TOKEN}': 'a ${env:TOKEN} b ${env:TOKEN}' },
      n: 3,
    };
    expect(resolveEnv(input, l, 'f: target 1')).toEqual({
      url: 'http://x/?k=tok-123',
      headers: { '${env:TOKEN}': 'a tok-123 b tok-123' },
      n: 3,
    });
    expect([...l.secrets]).toEqual(['tok-123']);
    const plain = { url: 'http://x/$HOME${x}', list: ['a'] };
    expect(resolveEnv(plain, l, 'f')).toBe(plain);
  });

  it('$${env:NAME} is the literal text', () => {
    expect(resolveEnv('a $${env:TOKEN} b ${env:TOKEN}', lookup(), 'f')).toBe('a ${env:TOKEN} b tok-123');
  });

  it.each([
    ['${env:MISSING}', 'f: target 2: the URL: environment variable MISSING is not set (${env:MISSING})'],
    ['${env:EMPTY}', 'f: target 2: the URL: environment variable EMPTY is empty (${env:EMPTY})'],
    ['${env:TOKEN', 'f: target 2: the URL: "${env:" without a closing "}" (write $${env: for the literal text)'],
    [
      '${env:1X}',
      'f: target 2: the URL: "1X" is not an environment variable name (in ${env:NAME}: letters, digits, _)',
    ],
  ])('%j: %s', (text, message) => {
    expect(() => resolveEnv(text, lookup(), 'f: target 2')).toThrow(message);
  });

  it('names the field by its path', () => {
    expect(() =>
      resolveEnv({ expect: { header: { 'X-A': '${env:NOPE}' } }, list: ['${env:TOKEN}'] }, lookup(), 'f: target 1'),
    ).toThrow('f: target 1: field expect.header.X-A: environment variable NOPE is not set');
    expect(() => resolveEnv({ origins: { 'https://a': { user: '${env:NOPE}' } } }, lookup(), 'f')).toThrow(
      'f: field origins["https://a"].user: environment variable NOPE is not set',
    );
  });

  it('takes one pass over a long value (a 4 MB body with many references)', () => {
    const body = `${'x'.repeat(1000)}\${env:TOKEN}`.repeat(4000);
    const resolved = resolveEnv({ body }, lookup(), 'f') as { body: string };
    expect(resolved.body.length).toBe(4000 * (1000 + 'tok-123'.length));
  });
});

describe('${env:} in sources', () => {
  const read = async (text: string): Promise<SourceItem[]> => {
    const items: SourceItem[] = [];
    const lookup = { env: { TOKEN: 'tok-123' }, secrets: new Set<string>() };
    for await (const item of await openSources([{ kind: 'stdin' }], Readable.from([text]), lookup)) items.push(item);
    return items;
  };

  it('JSON lines and documents: a \\u escape spelling ${env: is resolved as the plain form is', async () => {
    const line = '{"url":"http://127.0.0.1/?k=\\u0024{env:TOKEN}"}';
    expect(jsonMayReferToEnv(line)).toBe(true);
    expect(jsonMayReferToEnv('{"url":"http://127.0.0.1/?k=$HOME"}')).toBe(false);
    for (const text of [
      `${line}\n{"url":"http://127.0.0.1/plain"}\n`,
      `[${line}, "http://127.0.0.1/?k=\${env:TOKEN}"]`,
    ]) {
      const items = await read(text);
      expect(items.map((i) => ('input' in i ? i.input : null))).toEqual([
        { url: 'http://127.0.0.1/?k=tok-123' },
        text.startsWith('[') ? 'http://127.0.0.1/?k=tok-123' : { url: 'http://127.0.0.1/plain' },
      ]);
      // The input as written is kept for reports.
      expect(items[0]).toMatchObject({ shown: JSON.stringify({ url: 'http://127.0.0.1/?k=${env:TOKEN}' }) });
    }
  });
});

describe('the library option "origins"', () => {
  it('sends a bound header only to its origin', async () => {
    const a = await start(startHttpServer());
    const b = await start(startHttpServer());
    const results: Result[] = [];
    for await (const r of fetchMany([`${a.url}/ok`, `${b.url}/ok`], {
      origins: { [a.url]: { headers: { 'X-Api-Key': 'for-a' } } },
    })) {
      results.push(r);
    }
    expect(results.every((r) => r.ok)).toBe(true);
    expect(a.received.map((r) => r.header('x-api-key'))).toEqual(['for-a']);
    expect(b.received.map((r) => r.header('x-api-key'))).toEqual([undefined]);
  });

  it('is validated as strictly as the flags, when fetchMany is called', () => {
    expect(() => fetchMany([], { origins: { 'https://a.example.com/v1': {} } })).toThrow(OptionError);
    expect(() => fetchMany([], { origins: { 'https://a.example.com/v1': {} } })).toThrow(
      /^option "origins": origin "https:\/\/a\.example\.com\/v1" must be scheme:\/\/host\[:port\] only/,
    );
    expect(() => fetchMany([], { origins: 'https://a.example.com' as never })).toThrow(/option "origins"/);
  });
});
