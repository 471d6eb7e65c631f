/**
 * Happy Eyeballs (RFC 8305): a name's addresses are raced — IPv6 first, the next one after the
 * attempt delay or as soon as an attempt fails — and the first to connect carries the request;
 * the others are closed. Also several `resolve` addresses, as curl's --resolve takes them.
 */
import type { LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConnector, type Connector } from '../../../src/engine/net/connector.js';
import { interleave } from '../../../src/engine/net/happy-eyeballs.js';
import { type Blackhole, startBlackhole } from '../../helpers/blackhole.js';
import { startDnsServer } from '../../helpers/dns-server.js';
import { startHttpServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { one } from '../harness.js';

const start = closeAfterEach();
const holes: Blackhole[] = [];
afterEach(async () => {
  await Promise.all(holes.splice(0).map((h) => h.close()));
});

/** A connector that records every socket it opens, and to where. */
function recording(): Connector & { opened: Array<{ address: string; socket: Socket }> } {
  const opened: Array<{ address: string; socket: Socket }> = [];
  return {
    opened,
    tcp(address, family, port, readInto) {
      const socket = defaultConnector.tcp(address, family, port, readInto);
      opened.push({ address, socket });
      return socket;
    },
    tls: defaultConnector.tls,
  };
}

/** An HTTP server on 127.0.0.1:P and a blackhole on [::1]:P (same port: one name, two addresses). */
async function dualStack(): Promise<{ port: number } | null> {
  const server = await start(startHttpServer());
  const hole = await startBlackhole('::1', server.port);
  if (hole === null) return null;
  holes.push(hole);
  return { port: server.port };
}

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

describe('interleave (RFC 8305 §4)', () => {
  it('alternates the families, IPv6 first when there is any', () => {
    const mixed = [v4('192.0.2.1'), v4('192.0.2.2'), v6('2001:db8::1'), v4('192.0.2.3'), v6('2001:db8::2')];
    expect(interleave(mixed).map((a) => a.address)).toEqual([
      '2001:db8::1',
      '192.0.2.1',
      '2001:db8::2',
      '192.0.2.2',
      '192.0.2.3',
    ]);
    expect(interleave([v4('192.0.2.1'), v4('192.0.2.2')]).map((a) => a.address)).toEqual(['192.0.2.1', '192.0.2.2']);
  });
});

describe('the connection race', () => {
  it('an IPv6 address that drops SYNs: IPv4 connects after the attempt delay, the loser is closed', async (ctx) => {
    const dual = await dualStack();
    if (dual === null) ctx.skip('this kernel answers SYNs past a full accept queue: no loopback blackhole');
    const { port } = dual!;
    const connector = recording();
    const r = await one(`http://dual.test:${port}/ok`, {
      connector,
      resolve: { [`dual.test:${port}`]: '[::1],127.0.0.1' },
      connectTimeout: 5000,
    });
    expect(r.error).toBeNull();
    expect(r.status).toBe(200);
    expect(r.remoteAddress).toBe('127.0.0.1');
    // IPv6 tried first; the blackholed attempt was closed when IPv4 won.
    expect(connector.opened.map((o) => o.address)).toEqual(['::1', '127.0.0.1']);
    expect(connector.opened[0]!.socket.destroyed).toBe(true);
    // `connect` covers the race: it includes the attempt delay spent on ::1.
    expect(r.timings.connect).toBeGreaterThanOrEqual(240);
  });

  it('the same race for a name whose DNS answer has AAAA and A records', async (ctx) => {
    const dual = await dualStack();
    if (dual === null) ctx.skip('this kernel answers SYNs past a full accept queue: no loopback blackhole');
    const dns = await start(startDnsServer({ table: { 'dual.test': { a: ['127.0.0.1'], aaaa: ['::1'] } } }));
    const r = await one(`http://dual.test:${dual!.port}/ok`, { dnsServers: [dns.address], connectTimeout: 5000 });
    expect(r.error).toBeNull();
    expect(r.remoteAddress).toBe('127.0.0.1');
    expect(r.timings.dns).not.toBeNull();
  });

  it('the connect timeout covers the whole race: every address blackholed ends in one timeout, all closed', async (ctx) => {
    const hole6 = await startBlackhole('::1');
    if (hole6 === null) ctx.skip('this kernel answers SYNs past a full accept queue: no loopback blackhole');
    holes.push(hole6!);
    const hole4 = await startBlackhole('127.0.0.1', hole6!.port).catch(() => null);
    if (hole4 === null) ctx.skip(`127.0.0.1:${hole6!.port} is taken or cannot be blackholed`);
    holes.push(hole4!);
    const port = hole6!.port;
    const connector = recording();
    const r = await one(`http://both.test:${port}/`, {
      connector,
      resolve: { [`both.test:${port}`]: ['::1', '127.0.0.1'] },
      connectTimeout: 600,
    });
    expect(r.error).toMatchObject({ code: 'timeout', phase: 'connect' });
    expect(r.error?.message).toContain('600 ms');
    expect(connector.opened.map((o) => o.address)).toEqual(['::1', '127.0.0.1']);
    expect(connector.opened.every((o) => o.socket.destroyed)).toBe(true);
    // One budget for the race, not one per address.
    expect(r.timings.total).toBeLessThan(1200);
  });

  it('a refused address starts the next attempt at once', async () => {
    const server = await start(startHttpServer());
    // Nothing listens on [::1]:port (the server is on 127.0.0.1 only): refused right away.
    const connector = recording();
    const r = await one(`http://refuses.test:${server.port}/ok`, {
      connector,
      resolve: { [`refuses.test:${server.port}`]: '::1,127.0.0.1' },
    });
    expect(r.error).toBeNull();
    expect(r.remoteAddress).toBe('127.0.0.1');
    expect(connector.opened.map((o) => o.address)).toEqual(['::1', '127.0.0.1']);
  });

  it('every address refusing: the last attempt’s error is the result', async () => {
    const server = await start(startHttpServer());
    const port = server.port;
    await server.close();
    const r = await one(`http://nobody.test:${port}/`, { resolve: { [`nobody.test:${port}`]: '::1,127.0.0.1' } });
    expect(r.error?.code).toBe('refused');
    expect(r.remoteAddress).toBe('127.0.0.1');
  });

  it('rejects a resolve entry with a bad address among several', async () => {
    await expect(one('http://x.test:80/', { resolve: { 'x.test:80': '127.0.0.1,nope' } })).rejects.toThrow(
      /must map host:port to IP addresses/,
    );
  });
});
