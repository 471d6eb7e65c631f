/**
 * Checks on what a body says: `expect.json` (a JSONPath subset) and `expect.bodyMatches`, on the
 * body as the user sees it (decoded with `compressed`), held in memory up to `maxBodyBuffer`.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { prepareTarget } from '../../src/targets/index.js';
import { chunk, head, response, send, startHttpServer, type RouteHandler } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';
import { byIndex, one, run } from '../engine/harness.js';

const start = closeAfterEach();

const HEALTH = JSON.stringify({ status: 'down', build: { version: '1.4.2' }, items: [1, 2, 3] });

const routes: Record<string, RouteHandler> = {
  '/health': (_req, ctx) => send(ctx.socket, response(200, HEALTH, [['Content-Type', 'application/json']])),
  '/health-gz': (_req, ctx) => send(ctx.socket, response(200, gzipSync(HEALTH), [['Content-Encoding', 'gzip']])),
  '/health-chunked': (_req, ctx) => {
    const mid = 17;
    send(
      ctx.socket,
      Buffer.concat([
        Buffer.from(head(200, [['Transfer-Encoding', 'chunked']])),
        chunk(`\ufeff${HEALTH.slice(0, mid)}`),
        chunk(HEALTH.slice(mid)),
        Buffer.from('0\r\n\r\n'),
      ]),
    );
  },
  '/html': (_req, ctx) => send(ctx.socket, response(200, '<html><title>Welcome, Ada</title></html>')),
  '/redos': (_req, ctx) => send(ctx.socket, response(200, JSON.stringify({ s: `${'a'.repeat(40)}b` }))),
  '/large': (_req, ctx) => send(ctx.socket, response(200, `{"a":"${'x'.repeat(2 * 1024 * 1024)}"}`)),
};

describe('expect.json', () => {
  it('passes when every path selects the given value (plain, chunked with a BOM, gzip decoded)', async () => {
    const server = await start(startHttpServer(routes));
    const expectation = { json: { '$.status': 'down', '$.build.version': { matches: '^1\\.' }, '$.items.length': 3 } };
    const results = byIndex(
      await run(
        ['/health', '/health-chunked', '/health-gz'].map((p) => ({ url: `${server.url}${p}`, expect: expectation })),
        { compressed: true },
      ),
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, failures: [] });
  });

  it('fails with one line per path that did not hold', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one({
      url: `${server.url}/health`,
      expect: {
        json: {
          '$.status': 'ok',
          '$.build.sha': { exists: true },
          '$.build.version': '1.4.2',
          '$.gone': { exists: false },
          '$.items[5]': 1,
        },
      },
    });
    expect(r).toMatchObject({ ok: false, error: null, status: 200 });
    expect(r.failures).toEqual([
      'json $.status is "down", not "ok"',
      'json $.build.sha: no such path',
      'json $.items[5]: no such path',
    ]);
  });

  it('says "body is not JSON" once, and looks at no path', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one({ url: `${server.url}/html`, expect: { json: { '$.a': 1, '$.b': 2 } } });
    expect(r.failures).toEqual(['body is not JSON']);
  });

  it('without compressed, a gzip body is not JSON', async () => {
    const server = await start(startHttpServer(routes));
    const r = await one({ url: `${server.url}/health-gz`, expect: { json: { '$.status': 'down' } } });
    expect(r.failures).toEqual(['body is not JSON']);
  });

  it('a body over maxBodyBuffer is not checked, and says so', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([
        { url: `${server.url}/large`, expect: { json: { '$.a': { exists: true } } } },
        { url: `${server.url}/large`, expect: { bodyMatches: 'x' } },
      ]),
    );
    for (const r of results) expect(r).toMatchObject({ ok: false, failures: ['body over 1 MiB, not checked'] });
    const small = await one(
      { url: `${server.url}/health`, expect: { json: { '$.status': 'down' } } },
      { maxBodyBuffer: 50 },
    );
    expect(small.failures).toEqual(['body over 50 bytes, not checked']);
    const fits = await one(
      { url: `${server.url}/large`, expect: { bodyMatches: 'x{1000}' } },
      { maxBodyBuffer: 3 * 1024 * 1024 },
    );
    expect(fits).toMatchObject({ ok: true, failures: [] });
  });
});

describe("run-wide content checks (the library's expect option)", () => {
  it('apply to every target that sets no expect of its own', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([`${server.url}/health`, `${server.url}/html`], {
        expect: { status: '2xx', json: { '$.status': 'down' }, bodyMatches: 'down' } as never,
      }),
    );
    expect(results.map((r) => r.failures)).toEqual([[], ['body is not JSON', 'body does not match /down/']]);
  });
});

describe('expect.bodyMatches', () => {
  it('passes and fails on the body text, flags in /…/ form', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run(
        [
          { url: `${server.url}/html`, expect: { bodyMatches: '<title>Welcome, \\w+</title>' } },
          { url: `${server.url}/html`, expect: { bodyMatches: '/WELCOME/i' } },
          { url: `${server.url}/html`, expect: { bodyMatches: 'Goodbye' } },
          { url: `${server.url}/health-gz`, expect: { bodyMatches: '"status":"down"' } },
        ],
        { compressed: true },
      ),
    );
    expect(results.map((r) => r.failures)).toEqual([[], [], ['body does not match /Goodbye/'], []]);
  });

  it('a pattern that backtracks without end on V8 answers at once on RE2 (issue 22)', async () => {
    const server = await start(startHttpServer(routes));
    const results = byIndex(
      await run([
        { url: `${server.url}/redos`, expect: { bodyMatches: '^\\{"s":"(a+)+"\\}$' } },
        { url: `${server.url}/redos`, expect: { json: { '$.s': { matches: '^(a+)+$' } } } },
        { url: `${server.url}/redos`, expect: { bodyMatches: 'aaab' } },
      ]),
    );
    expect(results.map((r) => r.failures)).toEqual([
      ['body does not match /^\\{"s":"(a+)+"\\}$/'],
      [`json $.s is "${'a'.repeat(40)}b", not matching /^(a+)+$/`],
      [],
    ]);
  });

  it('a pattern RE2 cannot run (backreference, lookaround) makes the target invalid, naming it', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { bodyMatches: '(a)\\1' },
        /^field "expect.bodyMatches": "\(a\)\\\\1" cannot be matched in linear time \(invalid escape sequence/,
      ],
      [{ bodyMatches: '/x(?=y)/i' }, /^field "expect.bodyMatches": "\/x\(\?=y\)\/i" cannot be matched in linear time/],
      [
        { json: { '$.a': { matches: '(?<!x)y' } } },
        /^field "expect.json": "\$\.a": "\(\?<!x\)y" cannot be matched in linear time/,
      ],
      [
        { header: { etag: { matches: '(w)\\1' } } },
        /^field "expect.header.etag.matches": "\(w\)\\\\1" cannot be matched/,
      ],
    ];
    for (const [expectation, message] of cases) {
      const t = prepareTarget({ url: 'http://127.0.0.1/', expect: expectation as never }, 0, {});
      expect(t).toMatchObject({ invalid: expect.stringMatching(message) });
    }
  });

  it('an invalid regex makes the target invalid, naming the field', () => {
    const t = prepareTarget({ url: 'http://127.0.0.1/', expect: { bodyMatches: 'a(' } }, 0, {});
    expect(t).toMatchObject({
      invalid: 'field "expect.bodyMatches": "a(" is not a valid regular expression: Unterminated group',
    });
    const j = prepareTarget({ url: 'http://127.0.0.1/', expect: { json: { '$..a': 1 } } }, 0, {});
    expect(j).toMatchObject({
      invalid: expect.stringMatching(/^field "expect.json": "\$\.\.a": JSONPath .* descendant/),
    });
    const k = prepareTarget({ url: 'http://127.0.0.1/', expect: { json: [] as never } }, 0, {});
    expect(k).toMatchObject({ invalid: 'field "expect.json" must be an object of JSONPath → value, got an array' });
  });
});
