/**
 * Redirects (`follow`): which statuses are followed and how the next request is built (RFC 9110
 * §15.4), relative Locations, loops and the hop limit, credentials kept to their origin, and what
 * the result says about the chain. Against local servers; every hop is checked server side.
 */
import { describe, expect, it } from 'vitest';
import { isRedirect, nextHop } from '../../src/engine/redirect.js';
import type { Target } from '../../src/types.js';
import {
  response,
  send,
  startHttpServer,
  type ResponseHeaders,
  type RouteHandler,
  type Routes,
  type ServerRequest,
  type TestServer,
} from '../helpers/servers.js';
import { byIndex, indexesOnce, one, prepare, run } from './harness.js';
import { closeAfterEach } from '../helpers/track.js';

const track = closeAfterEach();
function start(routes: Routes = {}): Promise<TestServer> {
  return track(startHttpServer(routes));
}

/** A route answering `status` with this Location (and a small body, which must be read past). */
function to(status: number, location: () => string, headers: ResponseHeaders = []): RouteHandler {
  return (_req, ctx) => send(ctx.socket, response(status, `see ${location()}`, [['Location', location()], ...headers]));
}

/** Every header named `name` (any case) in `req`. */
function all(req: ServerRequest | undefined, name: string): string[] {
  return (req?.headers ?? []).filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}

function requestTo(server: TestServer, path: string): ServerRequest | undefined {
  return server.received.find((r) => r.target === path);
}

describe('a followed chain', () => {
  it('follows 301 → 302 → 200 across two origins; the result keeps the first URL and lists each hop', async () => {
    let b: TestServer | undefined;
    const a = await start({
      '/start': to(301, () => `${b!.url}/mid`),
      '/final': (_req, ctx) => send(ctx.socket, response(200, 'the end')),
    });
    b = await start({ '/mid': to(302, () => `${a.url}/final`) });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect(r).toMatchObject({
      url: `${a.url}/start`,
      method: 'GET',
      status: 200,
      ok: true,
      error: null,
      bytes: 7,
      attempts: 1,
      finalUrl: `${a.url}/final`,
    });
    expect(r.redirects).toEqual([
      { status: 301, url: `${a.url}/start` },
      { status: 302, url: `${b.url}/mid` },
    ]);
    expect(a.received.map((q) => q.target)).toEqual(['/start', '/final']);
    expect(b.received.map((q) => q.target)).toEqual(['/mid']);
    // Each hop names its own origin in Host.
    expect(all(requestTo(b, '/mid'), 'host')).toEqual([`127.0.0.1:${b.port}`]);
  });

  it('without follow, a 3xx is the final result (ok by default), and nothing more is requested', async () => {
    const a = await start({ '/start': to(301, () => '/final') });
    const r = await one(`${a.url}/start`, { timeout: 2000 });
    expect(r).toMatchObject({ status: 301, ok: true, redirects: [], finalUrl: `${a.url}/start`, attempts: 1 });
    expect(a.requests).toBe(1);
  });

  it('runs a same-origin hop on the same kept-alive connection, after reading the 3xx body', async () => {
    const a = await start({
      '/start': (_req, ctx) =>
        // A chunked 3xx body: the hop can only reuse the connection if it was framed right.
        send(
          ctx.socket,
          'HTTP/1.1 302 Found\r\nLocation: /ok\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
        ),
    });
    const r = await one(`${a.url}/start`, { follow: true, timeout: 2000 });
    expect([r.status, r.ok, r.bytes, r.reused]).toEqual([200, true, 2, true]);
    expect(a.connections).toBe(1);
  });

  it('does not follow a 3xx without Location, nor 300 or 304', async () => {
    const a = await start({
      '/bare': (_req, ctx) => send(ctx.socket, response(302, 'nowhere')),
      '/multiple': to(300, () => '/ok'),
    });
    const results = byIndex(
      await run([`${a.url}/bare`, `${a.url}/multiple`, `${a.url}/status/304`], { follow: true, timeout: 2000 }),
    );
    expect(results.map((r) => [r.status, r.redirects.length, r.error])).toEqual([
      [302, 0, null],
      [300, 0, null],
      [304, 0, null],
    ]);
    expect(a.requests).toBe(3);
  });

  it('gives each hop its own timeout: three 200 ms hops pass a 350 ms budget', async () => {
    const slow =
      (next: string): RouteHandler =>
      (_req, ctx) =>
        new Promise((done) =>
          ctx.later(200, () => {
            send(ctx.socket, response(302, '', [['Location', next]]));
            done();
          }),
        );
    const a = await start({ '/1': slow('/2'), '/2': slow('/slow/200') });
    const r = await one(`${a.url}/1`, { follow: true, timeout: 350 });
    expect(r.error).toBeNull();
    expect([r.status, r.redirects.length]).toEqual([200, 2]);
  });

  it('checks the expectation against the final response only', async () => {
    const a = await start({ '/to-ok': to(301, () => '/ok'), '/to-404': to(301, () => '/status/404') });
    const results = byIndex(
      await run([`${a.url}/to-ok`, `${a.url}/to-404`, `${a.url}/to-ok`], { follow: true, timeout: 2000 }),
    );
    expect(results.map((r) => [r.status, r.ok])).toEqual([
      [200, true],
      [404, false],
      [200, true],
    ]);
    expect(results[1]!.failures.join(' ')).toContain('404');
    // Per-target expect: only 200 is fine; the 301 on the way is not judged.
    const strict = await one({ url: `${a.url}/to-ok`, expect: { status: 200 } }, { follow: true, timeout: 2000 });
    expect([strict.status, strict.ok, strict.failures]).toEqual([200, true, []]);
  });
});

describe('the method and body of the next hop', () => {
  it.each([
    [303, 'POST'],
    [301, 'POST'],
    [302, 'POST'],
    [303, 'PUT'],
  ])('%i after a %s: a GET without body, Content-Length or Content-Type', async (status, method) => {
    const a = await start({ '/form': to(status, () => '/echo') });
    const r = await one(
      {
        url: `${a.url}/form`,
        method,
        body: 'name=x',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Keep': 'yes' },
      },
      { follow: true, timeout: 2000 },
    );
    expect([r.status, r.ok, r.method]).toEqual([200, true, method]);
    const echo = requestTo(a, '/echo');
    expect(echo?.method).toBe('GET');
    expect(echo?.body.length).toBe(0);
    expect(all(echo, 'content-length')).toEqual([]);
    expect(all(echo, 'content-type')).toEqual([]);
    expect(all(echo, 'x-keep')).toEqual(['yes']);
    expect(r.redirects).toEqual([{ status, url: `${a.url}/form` }]);
  });

  it('keeps HEAD a HEAD after a 303, and a PUT a PUT after a 301', async () => {
    const a = await start({ '/see': to(303, () => '/bytes/10'), '/moved': to(301, () => '/echo') });
    const results = byIndex(
      await run(
        [
          { url: `${a.url}/see`, method: 'HEAD' },
          { url: `${a.url}/moved`, method: 'PUT', body: 'abc' },
        ],
        {
          follow: true,
          timeout: 2000,
        },
      ),
    );
    expect(results.map((r) => [r.status, r.ok])).toEqual([
      [200, true],
      [200, true],
    ]);
    expect(requestTo(a, '/bytes/10')?.method).toBe('HEAD');
    const echo = requestTo(a, '/echo');
    expect([echo?.method, echo?.body.toString()]).toEqual(['PUT', 'abc']);
  });

  it.each([307, 308])('%i keeps POST, its body and Content-Type', async (status) => {
    const a = await start({ '/form': to(status, () => '/echo') });
    const r = await one(
      {
        url: `${a.url}/form`,
        method: 'POST',
        body: 'name=ü',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      },
      { follow: true, timeout: 2000 },
    );
    expect([r.status, r.ok]).toEqual([200, true]);
    const echo = requestTo(a, '/echo');
    expect(echo?.method).toBe('POST');
    expect(echo?.body.toString('utf8')).toBe('name=ü');
    expect(all(echo, 'content-length')).toEqual([String(Buffer.byteLength('name=ü'))]);
    expect(all(echo, 'content-type')).toEqual(['text/plain; charset=utf-8']);
  });
});

describe('Location', () => {
  it('resolves relative references against the current URL (RFC 3986 §5.2)', async () => {
    let b: TestServer | undefined;
    const a = await start({
      '/dir/page': to(302, () => 'next?x=1'),
      '/dir/next': to(302, () => '../up/there#frag'),
      '/up/there': to(302, () => `//127.0.0.1:${b!.port}/other`),
    });
    b = await start({ '/other': to(302, () => '/ok') });
    const r = await one(`${a.url}/dir/page`, { follow: true, timeout: 2000 });
    expect([r.status, r.ok]).toEqual([200, true]);
    expect(r.redirects.map((h) => h.url)).toEqual([
      `${a.url}/dir/page`,
      `${a.url}/dir/next?x=1`,
      `${a.url}/up/there`,
      `${b.url}/other`,
    ]);
    expect(r.finalUrl).toBe(`${b.url}/ok`);
    // The fragment is never sent (RFC 9110 §7.1); the query is.
    expect(a.received.map((q) => q.target)).toEqual(['/dir/page', '/dir/next?x=1', '/up/there']);
  });

  it.each([
    ['a non-http scheme', 'ftp://127.0.0.1/file'],
    ['an unparseable URL', 'http://[nope/'],
    ['a port out of range', 'http://127.0.0.1:70000/'],
  ])('is an error `protocol` when it is %s', async (_what, location) => {
    const a = await start({ '/bad': to(302, () => location) });
    const r = await one(`${a.url}/bad`, { follow: true, timeout: 2000 });
    expect(r.error?.code).toBe('protocol');
    expect(r.error?.message).toContain(`${a.url}/bad`);
    expect([r.status, r.ok, r.redirects, r.finalUrl]).toEqual([302, false, [], `${a.url}/bad`]);
    expect(a.requests).toBe(1);
  });
});

describe('too_many_redirects', () => {
  it('a loop (a URL already requested in the chain) stops at once', async () => {
    const a = await start({ '/a': to(302, () => '/b'), '/b': to(301, () => '/a') });
    const r = await one(`${a.url}/a`, { follow: true, timeout: 2000 });
    expect(r.error?.code).toBe('too_many_redirects');
    expect(r.error?.message).toContain('loop');
    expect(r.status).toBe(301);
    expect(r.redirects).toEqual([{ status: 302, url: `${a.url}/a` }]);
    expect(r.finalUrl).toBe(`${a.url}/b`);
    expect(a.requests).toBe(2);
  });

  it('a 303 from POST back to the same URL is not a loop: the method differs', async () => {
    let posts = 0;
    const a = await start({
      '/form': (req, ctx) => {
        if (req.method === 'POST') {
          posts++;
          send(ctx.socket, response(303, '', [['Location', '/form']]));
        } else send(ctx.socket, response(200, 'form'));
      },
    });
    const r = await one({ url: `${a.url}/form`, method: 'POST', body: 'x' }, { follow: true, timeout: 2000 });
    expect([r.status, r.ok, r.redirects.length, posts]).toEqual([200, true, 1, 1]);
  });

  it('more than maxRedirects hops: the error names the count, the hops followed are listed', async () => {
    const a = await start({
      // /hop/N → /hop/N+1, forever, never the same URL twice.
      '/hop': (req, ctx) => {
        const n = Number(new URL(req.target, 'http://x').searchParams.get('n'));
        send(ctx.socket, response(302, '', [['Location', `/hop?n=${n + 1}`]]));
      },
    });
    const r = await one(`${a.url}/hop?n=0`, { follow: true, maxRedirects: 3, timeout: 2000 });
    expect(r.error?.code).toBe('too_many_redirects');
    expect(r.error?.message).toMatch(/\b3 redirects\b/);
    expect(r.redirects.map((h) => h.url)).toEqual([0, 1, 2].map((n) => `${a.url}/hop?n=${n}`));
    expect(r.finalUrl).toBe(`${a.url}/hop?n=3`);
    expect(a.requests).toBe(4);
  });

  it('uses 10 as the default limit, and 0 means no redirect is followed', async () => {
    const a = await start({
      '/hop': (req, ctx) => {
        const n = Number(new URL(req.target, 'http://x').searchParams.get('n'));
        send(ctx.socket, response(307, '', [['Location', `/hop?n=${n + 1}`]]));
      },
    });
    const r = await one(`${a.url}/hop?n=0`, { follow: true, timeout: 2000 });
    expect(r.redirects).toHaveLength(10);
    expect(r.error?.code).toBe('too_many_redirects');
    const none = await one(`${a.url}/hop?n=0`, { follow: true, maxRedirects: 0, timeout: 2000 });
    expect([none.error?.code, none.redirects, none.status]).toEqual(['too_many_redirects', [], 307]);
  });
});

describe('credentials stay with their origin', () => {
  it('sends Authorization, Cookie and Proxy-Authorization on a same-origin hop, not to another origin', async () => {
    let b: TestServer | undefined;
    const a = await start({
      '/login': to(302, () => '/same'),
      '/same': to(302, () => `${b!.url}/other`),
    });
    b = await start({ '/other': to(302, () => '/ok') });
    const headers = {
      Authorization: 'Bearer secret',
      Cookie: 'sid=1',
      'Proxy-Authorization': 'Basic x',
      'X-Trace': 't1',
    };
    const r = await one({ url: `${a.url}/login`, headers }, { follow: true, timeout: 2000 });
    expect([r.status, r.ok, r.redirects.length]).toEqual([200, true, 3]);
    for (const path of ['/login', '/same']) {
      const req = requestTo(a, path);
      expect(all(req, 'authorization')).toEqual(['Bearer secret']);
      expect(all(req, 'cookie')).toEqual(['sid=1']);
      expect(all(req, 'proxy-authorization')).toEqual(['Basic x']);
    }
    // Once dropped, they stay dropped, even for a later hop on the new origin.
    for (const path of ['/other', '/ok']) {
      const req = requestTo(b, path);
      expect(req).toBeDefined();
      expect(all(req, 'authorization')).toEqual([]);
      expect(all(req, 'cookie')).toEqual([]);
      expect(all(req, 'proxy-authorization')).toEqual([]);
      expect(all(req, 'x-trace')).toEqual(['t1']);
    }
  });

  it('drops credentials from the URL (user:pass@) and a pinned Host on another origin', async () => {
    let b: TestServer | undefined;
    const a = await start({ '/in': to(302, () => `${b!.url}/out`) });
    b = await start({ '/out': (_req, ctx) => send(ctx.socket, response(200, 'out')) });
    const r = await one(
      { url: `http://user:pw@127.0.0.1:${a.port}/in`, headers: { Host: 'pinned.test' } },
      { follow: true, timeout: 2000 },
    );
    expect([r.status, r.ok]).toEqual([200, true]);
    expect(all(requestTo(a, '/in'), 'authorization')).toHaveLength(1);
    expect(all(requestTo(a, '/in'), 'host')).toEqual(['pinned.test']);
    const out = requestTo(b, '/out');
    expect(all(out, 'authorization')).toEqual([]);
    expect(all(out, 'host')).toEqual([`127.0.0.1:${b.port}`]);
  });

  it('treats another port or scheme on the same host as another origin', () => {
    const target = prepare([{ url: 'http://a.test:8080/x', headers: { Authorization: 'k' } }])[0] as Target;
    const requested = new Set<string>();
    const other = (location: string): string[] => {
      const hop = nextHop(target, target, 302, location, 0, 10, requested);
      if (!hop.ok) throw new Error(hop.message);
      return hop.target.headers.map(([n]) => n.toLowerCase());
    };
    expect(other('/y')).toContain('authorization');
    expect(other('http://a.test:8080/z')).toContain('authorization');
    expect(other('http://a.test:8081/z')).not.toContain('authorization');
    expect(other('https://a.test:8080/z')).not.toContain('authorization');
    expect(other('http://b.test:8080/z')).not.toContain('authorization');
  });
});

describe('at concurrency 100', () => {
  it('follows 300 chains across two origins, one result each, within the concurrency limit', async () => {
    let current = 0;
    let max = 0;
    const held: RouteHandler = (_req, ctx) =>
      new Promise((done) => {
        current++;
        max = Math.max(max, current);
        ctx.later(5, () => {
          current--;
          send(ctx.socket, response(200, 'done'));
          done();
        });
      });
    let b: TestServer | undefined;
    const a = await start({ '/go': to(301, () => `${b!.url}/via`), '/done': held });
    b = await start({ '/via': to(307, () => `${a.url}/done`) });
    const n = 300;
    const results = await run(
      Array.from({ length: n }, (_, i) => `${a.url}/go?i=${i}`),
      { follow: true, concurrency: 100, perHost: 100, timeout: 5000 },
    );
    expect(indexesOnce(results, n)).toBe(true);
    for (const r of results) {
      expect([r.ok, r.status, r.redirects.map((h) => h.status), r.finalUrl]).toEqual([
        true,
        200,
        [301, 307],
        `${a.url}/done`,
      ]);
    }
    expect(a.requests + b.requests).toBe(3 * n);
    expect(max).toBeLessThanOrEqual(100);
  });
});

describe('the concurrency limit', () => {
  it('holds while hops move between origins and connections close (concurrency 3, perHost 2)', async () => {
    let current = 0;
    let max = 0;
    /** Holds each request 10 ms, counting how many overlap across both servers. */
    const held =
      (answer: () => Buffer): RouteHandler =>
      (_req, ctx) =>
        new Promise((done) => {
          current++;
          max = Math.max(max, current);
          ctx.later(10, () => {
            current--;
            send(ctx.socket, answer());
            done();
          });
        });
    let b: TestServer | undefined;
    const a = await start({
      '/go': held(() => response(302, '', [['Location', `${b!.url}/via`]])),
      '/done': held(() => response(200, 'done', [['Connection', 'close']])),
    });
    b = await start({ '/via': held(() => response(303, '', [['Location', `${a.url}/done`]])) });
    const results = await run(
      Array.from({ length: 20 }, (_, i) => `${a.url}/go?i=${i}`),
      { follow: true, concurrency: 3, perHost: 2, timeout: 5000 },
    );
    expect(indexesOnce(results, 20)).toBe(true);
    expect(results.every((r) => r.ok && r.redirects.length === 2)).toBe(true);
    expect(max).toBeLessThanOrEqual(3);
    expect(max).toBeGreaterThanOrEqual(2);
  });
});

describe('isRedirect', () => {
  it('is true for exactly 301, 302, 303, 307 and 308', () => {
    const followed = Array.from({ length: 100 }, (_, i) => 300 + i).filter(isRedirect);
    expect(followed).toEqual([301, 302, 303, 307, 308]);
  });
});
