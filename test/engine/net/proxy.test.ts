/**
 * Proxies: http targets as absolute-form requests to the proxy, https targets through a CONNECT
 * tunnel, NO_PROXY bypasses, and proxy failures reported as error `proxy` naming the proxy.
 * The proxy is a local one the test starts (test/helpers/proxy-server.ts).
 */
import { describe, expect, it } from 'vitest';
import { type ProxyRoutes, parseProxies } from '../../../src/engine/net/proxy.js';
import { caCert } from '../../helpers/certs.js';
import { startProxyServer } from '../../helpers/proxy-server.js';
import {
  rawServer,
  send,
  startHttpServer,
  startHttpsServer,
  startRefusedPort,
  startSilentServer,
} from '../../helpers/servers.js';
import { byIndex, fakeLookup, one, run } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

describe('http targets through a proxy', () => {
  it('sends an absolute-form request to the proxy; the origin gets it in origin-form with its Host', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const lookup = fakeLookup({});
    const url = `http://origin.test:${origin.port}/echo?x=1`;
    const r = await one(url, { proxy: { http: proxy.url }, lookup, timeout: 5000 });
    expect(r).toMatchObject({ ok: true, status: 200, remoteAddress: '127.0.0.1', finalUrl: url });
    expect(proxy.lines).toEqual([`GET http://origin.test:${origin.port}/echo?x=1 HTTP/1.1`]);
    expect(origin.received[0]?.target).toBe('/echo?x=1');
    expect(origin.received[0]?.header('host')).toBe(`origin.test:${origin.port}`);
    // The proxy resolves the origin's name, not us.
    expect(lookup.calls).toEqual([]);
  });

  it('leaves the default port out of the absolute URI as it does of Host', async () => {
    // A plain test server standing in for the proxy: it only has to show the request it got.
    const proxy = await start(startHttpServer());
    const r = await one('http://origin.test/a', { proxy: { http: proxy.url }, lookup: fakeLookup({}), timeout: 2000 });
    expect(r.remoteAddress).toBe('127.0.0.1');
    expect(proxy.received[0]?.target).toBe('http://origin.test/a');
    expect(proxy.received[0]?.header('host')).toBe('origin.test');
  });

  it('keeps connections to the proxy alive between requests to one origin', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const urls = Array.from({ length: 5 }, (_, i) => `http://origin.test:${origin.port}/bytes/${i + 1}`);
    const results = await run(urls, {
      proxy: { http: proxy.url },
      lookup: fakeLookup({}),
      concurrency: 1,
      perHost: 1,
      timeout: 5000,
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.reused)).toHaveLength(4);
    expect(proxy.connections).toBe(1);
  });

  it('sends Proxy-Authorization from the proxy URL user info', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const auth = `http://us%40er:pa%20ss@127.0.0.1:${proxy.port}`;
    const r = await one(`http://origin.test:${origin.port}/ok`, {
      proxy: { http: auth },
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r.ok).toBe(true);
    const header = /\r\nProxy-Authorization: Basic (\S+)/.exec(proxy.heads[0] ?? '')?.[1];
    expect(Buffer.from(header ?? '', 'base64').toString()).toBe('us@er:pa ss');
  });

  it('does not use the https proxy for http targets', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const r = await one(`${origin.url}/ok`, { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.ok).toBe(true);
    expect(proxy.connections).toBe(0);
  });
});

describe('https targets through a CONNECT tunnel', () => {
  it('asks the proxy for a tunnel, then speaks TLS with the origin over it', async () => {
    const origin = await start(startHttpsServer());
    const proxy = await start(startProxyServer());
    const r = await one(`https://localhost:${origin.port}/echo`, {
      proxy: { https: proxy.url },
      ca: [caCert],
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, status: 200, remoteAddress: '127.0.0.1' });
    expect(r.tls?.subject).toBe('CN=localhost');
    expect(r.timings.connect).not.toBeNull();
    expect(r.timings.tls).not.toBeNull();
    expect(proxy.lines).toEqual([`CONNECT localhost:${origin.port} HTTP/1.1`]);
    expect(proxy.heads[0]).toMatch(new RegExp(`\\r\\nHost: localhost:${origin.port}(\\r\\n|$)`));
    // Inside the tunnel the request is origin-form.
    expect(origin.received[0]?.target).toBe('/echo');
    expect(origin.received[0]?.header('host')).toBe(`localhost:${origin.port}`);
  });

  it('checks the certificate against the target name, not the proxy address', async () => {
    const origin = await start(startHttpsServer({ cert: 'wrong-host' }));
    const proxy = await start(startProxyServer());
    const r = await one(`https://wrong.example:${origin.port}/ok`, {
      proxy: { https: proxy.url },
      ca: [caCert],
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, status: 200 });
    expect(r.tls?.subject).toBe('CN=wrong.example');
  });

  it('reuses a tunnel for later requests to the same origin', async () => {
    const origin = await start(startHttpsServer());
    const proxy = await start(startProxyServer());
    const urls = Array.from({ length: 4 }, () => `https://localhost:${origin.port}/ok`);
    const results = await run(urls, {
      proxy: { https: proxy.url },
      ca: [caCert],
      concurrency: 1,
      perHost: 1,
      timeout: 5000,
    });
    expect(results.every((r) => r.ok && r.tls !== null)).toBe(true);
    expect(proxy.lines.filter((l) => l.startsWith('CONNECT'))).toHaveLength(1);
    expect(results.filter((r) => r.reused)).toHaveLength(3);
  });

  it('reports a refused tunnel (403) as error proxy naming the proxy and the status', async () => {
    const proxy = await start(startProxyServer({ connectStatus: 403 }));
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.ok).toBe(false);
    expect(r.status).toBeNull();
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toContain(`127.0.0.1:${proxy.port}`);
    expect(r.error?.message).toContain('403');
    expect(r.error?.message).toContain('localhost:9');
  });

  it('reports a proxy that closes before answering CONNECT as error proxy', async () => {
    const proxy = await start(rawServer((ctx) => ctx.socket.once('data', () => ctx.socket.end())));
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/closed the connection before answering/);
  });

  it('reports an answer that is not HTTP as error proxy', async () => {
    const proxy = await start(
      rawServer((ctx) => ctx.socket.once('data', () => send(ctx.socket, 'SSH-2.0-OpenSSH\r\n\r\n'))),
    );
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/not HTTP/);
  });

  it('bounds the CONNECT answer it reads', async () => {
    const proxy = await start(
      rawServer((ctx) =>
        ctx.socket.once('data', () => {
          send(ctx.socket, 'HTTP/1.1 200 OK\r\n');
          ctx.every(1, () => send(ctx.socket, `X-Filler: ${'x'.repeat(1000)}\r\n`));
        }),
      ),
    );
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/over 16384 bytes/);
  });
});

describe('proxy failures', () => {
  it('a proxy that refuses connections: error proxy naming it, for http and https targets', async () => {
    const port = await startRefusedPort();
    const proxyUrl = `http://127.0.0.1:${port}`;
    const results = byIndex(
      await run(['http://origin.test/', 'https://origin.test/'], {
        proxy: { http: proxyUrl, https: proxyUrl },
        lookup: fakeLookup({}),
        timeout: 5000,
      }),
    );
    for (const r of results) {
      expect(r.error?.code).toBe('proxy');
      expect(r.error?.message).toContain(`127.0.0.1:${port}`);
      expect(r.error?.message).toMatch(/refused/);
    }
  });

  it('a proxy that accepts but never answers CONNECT: error proxy when the connect budget runs out', async () => {
    const proxy = await start(startSilentServer());
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, connectTimeout: 200, timeout: 5000 });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toContain(`127.0.0.1:${proxy.port}`);
    expect(r.error?.message).toMatch(/CONNECT/);
  });

  it('a proxy name that does not resolve: error proxy', async () => {
    const r = await one('http://origin.test/', {
      proxy: { http: 'http://proxy.test:3128' },
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/cannot resolve proxy proxy\.test:3128/);
  });

  it('a proxy that resets the connection while we wait for the CONNECT answer: error proxy', async () => {
    const proxy = await start(rawServer((ctx) => ctx.socket.once('data', () => ctx.socket.resetAndDestroy())));
    const r = await one('https://localhost:9/ok', { proxy: { https: proxy.url }, timeout: 5000 });
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toContain(`127.0.0.1:${proxy.port}`);
  });
});

describe('noProxy', () => {
  it('sends listed hosts directly and the others through the proxy', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const lookup = fakeLookup({});
    const results = byIndex(
      await run([`http://127.0.0.1:${origin.port}/ok`, `http://origin.test:${origin.port}/ok`], {
        proxy: { http: proxy.url, noProxy: ['127.0.0.1'] },
        lookup,
        timeout: 5000,
      }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(proxy.lines).toEqual([`GET http://origin.test:${origin.port}/ok HTTP/1.1`]);
    expect(origin.requests).toBe(2);
  });

  it('`*` bypasses the proxy for everything', async () => {
    const origin = await start(startHttpServer());
    const proxy = await start(startProxyServer());
    const r = await one(`${origin.url}/ok`, { proxy: { http: proxy.url, noProxy: ['*'] }, timeout: 5000 });
    expect(r.ok).toBe(true);
    expect(proxy.connections).toBe(0);
  });

  const routes = (noProxy: string[]): ProxyRoutes =>
    parseProxies({ http: 'http://p:1', https: 'http://p:1', noProxy }, false)!;
  const direct = (noProxy: string[], host: string, port = 80): boolean =>
    routes(noProxy).route(false, host, port) === null;

  it.each([
    // [entries, host, port, bypassed]
    [['example.com'], 'example.com', 80, true],
    [['example.com'], 'api.example.com', 80, true],
    [['example.com'], 'notexample.com', 80, false],
    [['.example.com'], 'api.example.com', 80, true],
    [['.example.com'], 'example.com', 80, true],
    [['*.example.com'], 'a.b.example.com', 80, true],
    [['Example.COM'], 'API.example.com', 80, true],
    [['example.com:8080'], 'example.com', 8080, true],
    [['example.com:8080'], 'example.com', 80, false],
    [['127.0.0.1'], '127.0.0.1', 80, true],
    [['0.0.1'], '127.0.0.1', 80, false],
    [['127.0.0.1'], '127.0.0.10', 80, false],
    [['127.0.0.1:9'], '127.0.0.1', 80, false],
    [['::1'], '::1', 80, true],
    [['[::1]'], '::1', 80, true],
    [['[::1]:8080'], '::1', 8080, true],
    [['[::1]:8080'], '::1', 80, false],
    [['', ' '], 'example.com', 80, false],
    [['other.org', '*'], 'example.com', 80, true],
  ] as const)('%j for %s:%d → bypassed %s', (entries, host, port, bypassed) => {
    expect(direct([...entries], host, port)).toBe(bypassed);
  });

  it('routes https targets to the https proxy and http targets to the http proxy', () => {
    const r = parseProxies({ http: 'http://h:1', https: 'http://s:2' }, false)!;
    expect(r.route(false, 'x.test', 80)?.label).toBe('h:1');
    expect(r.route(true, 'x.test', 443)?.label).toBe('s:2');
    const httpOnly = parseProxies({ http: 'http://h:1' }, false)!;
    expect(httpOnly.route(true, 'x.test', 443)).toBeNull();
  });

  it('reads a proxy URL without a port as port 80, and brackets IPv6 proxies in labels', () => {
    expect(parseProxies({ http: 'http://proxy.test' }, false)!.route(false, 'x', 80)).toMatchObject({
      hostname: 'proxy.test',
      port: 80,
    });
    expect(parseProxies({ http: 'http://[::1]:3128' }, false)!.route(false, 'x', 80)).toMatchObject({
      hostname: '::1',
      port: 3128,
      label: '[::1]:3128',
    });
  });
});

describe('under load', () => {
  it('100 concurrent requests over two origins through one proxy, each origin within its per-host limit', async () => {
    const a = await start(startHttpServer());
    const b = await start(startHttpsServer());
    const proxy = await start(startProxyServer());
    const urls = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 0 ? `http://a.test:${a.port}/bytes/${i}` : `https://localhost:${b.port}/bytes/${i}`,
    );
    const results = byIndex(
      await run(urls, {
        proxy: { http: proxy.url, https: proxy.url },
        ca: [caCert],
        lookup: fakeLookup({}),
        concurrency: 100,
        perHost: 8,
        timeout: 20_000,
      }),
    );
    expect(results).toHaveLength(300);
    expect(results.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
    expect(results.map((r) => r.bytes)).toEqual(urls.map((_, i) => i));
    // Connections to the proxy are per origin: at most perHost for each of the two.
    expect(proxy.connections).toBeLessThanOrEqual(16);
    expect(a.connections + b.connections).toBe(proxy.connections);
  });
});
