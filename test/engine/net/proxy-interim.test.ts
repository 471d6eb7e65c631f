/**
 * Interim (1xx) answers to CONNECT (issue 12, item 10): a proxy that sends `100 Continue` (or
 * any 1xx but 101) before its 200 opens the tunnel all the same (RFC 9110 §15.2); a 101 is not
 * interim and fails (§7.8: no Upgrade was offered). The proxy here is a tiny one the test starts:
 * it answers CONNECT with the bytes a test gives, then tunnels to the origin on 127.0.0.1.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { caCert } from '../../helpers/certs.js';
import { rawServer, send, startHttpsServer, type TestServer } from '../../helpers/servers.js';
import { fakeLookup, one } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

/** A proxy that writes `answer` (each piece in its own write) to CONNECT, then tunnels. */
function connectProxy(answer: readonly string[]): Promise<TestServer> {
  const upstreams = new Set<net.Socket>();
  return rawServer((ctx) => {
    let head = '';
    const onData = (chunk: Buffer): void => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      ctx.socket.off('data', onData);
      ctx.socket.pause(); // the ClientHello may come before the pipe is set up
      const target = head.slice(0, head.indexOf('\r\n')).split(' ')[1] ?? '';
      const upstream = net.connect({ host: '127.0.0.1', port: Number(target.slice(target.lastIndexOf(':') + 1)) });
      upstreams.add(upstream);
      upstream.on('error', () => ctx.socket.destroy());
      upstream.on('close', () => ctx.socket.destroy());
      ctx.socket.on('close', () => upstream.destroy());
      upstream.once('connect', () => {
        let i = 0;
        const next = (): void => {
          if (i < answer.length) {
            send(ctx.socket, answer[i++]!);
            setTimeout(next, 5).unref();
            return;
          }
          ctx.socket.pipe(upstream);
          upstream.pipe(ctx.socket);
        };
        next();
      });
    };
    ctx.socket.on('data', onData);
  }).then((server) => {
    const close = server.close.bind(server);
    return Object.assign(server, {
      async close() {
        for (const s of upstreams) s.destroy();
        await close();
      },
    });
  });
}

async function through(answer: readonly string[]) {
  const origin = await start(startHttpsServer());
  const proxy = await start(connectProxy(answer));
  return one(`https://localhost:${origin.port}/ok`, {
    proxy: { https: proxy.url },
    ca: [caCert],
    lookup: fakeLookup({}),
    timeout: 5000,
  });
}

const OPEN = 'HTTP/1.1 200 Connection Established\r\n\r\n';

describe('interim answers to CONNECT (RFC 9110 §15.2)', () => {
  it('100 Continue, then 200: the tunnel opens (one write)', async () => {
    const r = await through([`HTTP/1.1 100 Continue\r\n\r\n${OPEN}`]);
    expect(r).toMatchObject({ ok: true, status: 200, error: null });
  });

  it('100 Continue and 200 in separate writes', async () => {
    const r = await through(['HTTP/1.1 100 Continue\r\n\r\n', OPEN]);
    expect(r).toMatchObject({ ok: true, status: 200 });
  });

  it('several 1xx with fields, split inside a head, with bare LF line ends', async () => {
    const r = await through([
      'HTTP/1.1 102 Processing\r\nX-A: 1\r\n\r\nHTTP/1.1 103 Ea',
      'rly Hints\nLink: </x>\n\n',
      'HTTP/1.0 199 Whatever\r\n\r\n',
      OPEN,
    ]);
    expect(r).toMatchObject({ ok: true, status: 200 });
  });

  it('a refusal after a 100 is still a refusal', async () => {
    const r = await through(['HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 407 Proxy Authentication Required\r\n\r\n']);
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/refused the tunnel: 407/);
  });

  it('101 is not interim: no Upgrade was offered, so it fails (RFC 9110 §7.8)', async () => {
    const r = await through(['HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n']);
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/switched protocols \(101\)/);
  });

  it('an endless stream of 1xx fails instead of waiting for ever', async () => {
    const r = await through([`${'HTTP/1.1 100 Continue\r\n\r\n'.repeat(101)}${OPEN}`]);
    expect(r.error?.code).toBe('proxy');
    expect(r.error?.message).toMatch(/over 100 interim/);
  });
});
