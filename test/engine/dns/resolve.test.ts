/**
 * Names and addresses: `resolve` pins host:port to an address instead of asking DNS (curl's
 * --resolve), IPv6 literals work end to end, and every result says which address it reached.
 */
import net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { DnsCache } from '../../../src/engine/dns/cache.js';
import { caCert } from '../../helpers/certs.js';
import { response, send, startHttpServer, startHttpsServer } from '../../helpers/servers.js';
import { byIndex, fakeLookup, one, run } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

/**
 * A minimal keep-alive HTTP server on ::1 (the kit's servers listen on 127.0.0.1 only), answering
 * every GET with its Host header as the body.
 */
async function startIpv6Server(): Promise<{ port: number; hosts: string[] }> {
  const sockets = new Set<net.Socket>();
  const hosts: string[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end !== -1; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        const host = /\r\nhost: *([^\r]*)/i.exec(head)?.[1] ?? '';
        hosts.push(host);
        send(socket, response(200, host));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '::1', () => resolve());
  });
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, hosts };
}

describe('resolve: a name pinned to an address', () => {
  it('connects to the address without asking DNS; Host keeps the name', async () => {
    const server = await start(startHttpServer());
    const lookup = fakeLookup({});
    const r = await one(`http://pinned.test:${server.port}/echo`, {
      resolve: { [`pinned.test:${server.port}`]: '127.0.0.1' },
      lookup,
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, status: 200, remoteAddress: '127.0.0.1' });
    expect(r.timings.dns).toBeNull();
    expect(lookup.calls).toEqual([]);
    expect(server.received[0]?.header('host')).toBe(`pinned.test:${server.port}`);
  });

  it('pins only that host and port: the same name on another port still asks DNS', async () => {
    const server = await start(startHttpServer());
    const lookup = fakeLookup({});
    const results = byIndex(
      await run([`http://pinned.test:${server.port}/ok`, `http://pinned.test:${server.port + 1}/ok`], {
        resolve: { [`pinned.test:${server.port}`]: '127.0.0.1' },
        lookup,
        timeout: 5000,
      }),
    );
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, remoteAddress: null });
    expect(results[1]!.error?.code).toBe('dns');
    expect(lookup.calls).toEqual(['pinned.test']);
  });

  it('matches the name case-insensitively', async () => {
    const server = await start(startHttpServer());
    const r = await one(`http://Pinned.TEST:${server.port}/ok`, {
      resolve: { [`PINNED.test:${server.port}`]: '127.0.0.1' },
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r.ok).toBe(true);
  });

  it('keeps the name for SNI and the certificate check over https', async () => {
    let sni: string | false | null | undefined;
    const server = await start(
      startHttpsServer({
        cert: 'wrong-host',
        routes: {
          '/sni': (_req, ctx) => {
            sni = (ctx.socket as TLSSocket).servername;
            send(ctx.socket, response(200, 'sni'));
          },
        },
      }),
    );
    const r = await one(`https://wrong.example:${server.port}/sni`, {
      resolve: { [`wrong.example:${server.port}`]: '127.0.0.1' },
      lookup: fakeLookup({}),
      ca: [caCert],
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, status: 200, remoteAddress: '127.0.0.1' });
    expect(r.tls?.subject).toBe('CN=wrong.example');
    expect(sni).toBe('wrong.example');
    expect(server.received[0]?.header('host')).toBe(`wrong.example:${server.port}`);
  });

  it('holds at concurrency 100: every request reaches the pinned address', async () => {
    const server = await start(startHttpServer());
    const urls = Array.from({ length: 300 }, (_, i) => `http://pinned.test:${server.port}/bytes/${i % 7}`);
    const lookup = fakeLookup({});
    const results = await run(urls, {
      resolve: { [`pinned.test:${server.port}`]: '127.0.0.1' },
      lookup,
      concurrency: 100,
      perHost: 100,
      timeout: 10_000,
    });
    expect(results).toHaveLength(300);
    expect(results.every((r) => r.ok && r.remoteAddress === '127.0.0.1')).toBe(true);
    expect(lookup.calls).toEqual([]);
    expect(server.requests).toBe(300);
  });
});

describe('IPv6', () => {
  it('fetches http://[::1]:PORT/ end to end, with a bracketed Host and remoteAddress ::1', async () => {
    const server = await startIpv6Server();
    const r = await one(`http://[::1]:${server.port}/`, { timeout: 5000 });
    expect(r).toMatchObject({ ok: true, status: 200, remoteAddress: '::1', error: null });
    expect(r.timings.dns).toBeNull();
    expect(server.hosts).toEqual([`[::1]:${server.port}`]);
  });

  it('pins a name to an IPv6 address', async () => {
    const server = await startIpv6Server();
    const r = await one(`http://six.test:${server.port}/`, {
      resolve: { [`six.test:${server.port}`]: '::1' },
      lookup: fakeLookup({}),
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, remoteAddress: '::1' });
    expect(server.hosts).toEqual([`six.test:${server.port}`]);
  });

  it('reuses an IPv6 connection', async () => {
    const server = await startIpv6Server();
    const urls = Array.from({ length: 5 }, () => `http://[::1]:${server.port}/`);
    const results = await run(urls, { concurrency: 1, perHost: 1, timeout: 5000 });
    expect(results.every((r) => r.ok && r.remoteAddress === '::1')).toBe(true);
    expect(results.filter((r) => r.reused)).toHaveLength(4);
  });
});

describe('remoteAddress', () => {
  it('is the address DNS gave for a name', async () => {
    const server = await start(startHttpServer());
    const r = await one(`http://svc.test:${server.port}/ok`, {
      lookup: fakeLookup({ 'svc.test': [{ address: '127.0.0.1', family: 4 }] }),
      timeout: 5000,
    });
    expect(r).toMatchObject({ ok: true, remoteAddress: '127.0.0.1' });
  });

  it('is the address that answered when the first one refused', async () => {
    const server = await start(startHttpServer());
    const lookup = fakeLookup({
      'two.test': [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
    });
    const r = await one(`http://two.test:${server.port}/ok`, { lookup, timeout: 5000 });
    expect(r).toMatchObject({ ok: true, remoteAddress: '127.0.0.1' });
  });

  it('is null when no connection was attempted', async () => {
    const r = await one('http://nowhere.test:8080/', { lookup: fakeLookup({}), timeout: 5000 });
    expect(r).toMatchObject({ ok: false, remoteAddress: null });
    expect(r.error?.code).toBe('dns');
  });
});

describe('DnsCache.forget', () => {
  it('drops a failed answer so the next lookup asks again, and keeps good ones', async () => {
    let fail = true;
    const calls: string[] = [];
    const cache = new DnsCache({
      lookup: (hostname, callback) => {
        calls.push(hostname);
        setImmediate(() => {
          if (fail && hostname === 'flaky.test') callback(Object.assign(new Error('nope'), { code: 'EAI_AGAIN' }), []);
          else callback(null, [{ address: '127.0.0.1', family: 4 }]);
        });
      },
    });
    const ask = (name: string) =>
      new Promise<{ code: string | null; cached: boolean }>((resolve) =>
        cache.resolve(name, (err, _addresses, cached) => resolve({ code: err?.code ?? null, cached })),
      );
    expect(await ask('flaky.test')).toEqual({ code: 'EAI_AGAIN', cached: false });
    expect(await ask('flaky.test')).toEqual({ code: 'EAI_AGAIN', cached: true });
    expect(await ask('good.test')).toEqual({ code: null, cached: false });
    fail = false;
    cache.forget('flaky.test');
    cache.forget('good.test');
    expect(await ask('flaky.test')).toEqual({ code: null, cached: false });
    expect(await ask('good.test')).toEqual({ code: null, cached: true });
    expect(calls).toEqual(['flaky.test', 'good.test', 'flaky.test']);
  });
});
