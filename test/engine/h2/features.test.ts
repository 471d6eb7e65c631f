import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { caCert } from '../../helpers/certs.js';
import { type H2Server, startH2Server } from '../../helpers/h2-server.js';
import { startProxyServer } from '../../helpers/proxy-server.js';
import { byIndex, one, run } from '../harness.js';

/** Everything the run-wide features do over HTTP/1.1, over HTTP/2 (issue 10). */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function h2(options: Parameters<typeof startH2Server>[0] = {}): Promise<H2Server> {
  const server = await startH2Server(options);
  cleanups.push(() => server.close());
  return server;
}
async function h1(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const tls = { ca: [caCert], timeout: 5000 };

describe('HTTP/2 with the run-wide features', () => {
  it('redirects hop between an HTTP/2 origin and an HTTP/1.1 one, both ways', async () => {
    let h2url = '';
    const plain = await h1((req, res) => {
      if (req.url === '/back') {
        res.writeHead(302, { location: `${h2url}/final` });
        res.end();
        return;
      }
      res.writeHead(404);
      res.end();
    });
    const server = await h2({
      handler: (stream, headers) => {
        if (headers[':path'] === '/start') {
          stream.respond({ ':status': 301, location: `${plain}/back` });
          stream.end();
          return;
        }
        stream.respond({ ':status': 200 });
        stream.end('landed');
      },
    });
    h2url = server.url;
    const r = await one(`${server.url}/start`, { ...tls, follow: true });
    expect(r).toMatchObject({ ok: true, status: 200, httpVersion: '2', finalUrl: `${server.url}/final` });
    expect(r.redirects.map((h) => h.status)).toEqual([301, 302]);
  });

  it('--compressed decodes a gzip body on a stream; expectations are checked on the decoded text', async () => {
    const text = 'hello over h2 '.repeat(500);
    let asked: string | string[] | undefined;
    const server = await h2({
      handler: (stream, headers) => {
        asked = headers['accept-encoding'];
        stream.respond({ ':status': 200, 'content-encoding': 'gzip', 'x-kind': 'zipped' });
        stream.end(gzipSync(text));
      },
    });
    const r = await one(
      { url: `${server.url}/z`, expect: { bodyIncludes: 'over h2', header: { 'x-kind': 'zipped' }, status: 200 } },
      { ...tls, compressed: true },
    );
    expect(asked).toBe('gzip, deflate, br');
    expect(r).toMatchObject({ ok: true, httpVersion: '2', decodedBytes: text.length });
    expect(r.bytes).toBeLessThan(text.length);
  });

  it('failed expectations are failures, as over HTTP/1.1', async () => {
    const server = await h2();
    const r = await one({ url: `${server.url}/x`, expect: { status: 204, bodyIncludes: 'nope' } }, tls);
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual(['status 200 not in 204', 'body does not include "nope"']);
  });

  it('saves and hashes bodies (outputDir, hash) from streams', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-h2-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const server = await h2({
      handler: (stream, headers) => {
        stream.respond({ ':status': 200 });
        stream.end(`body of ${headers[':path']}`.repeat(1000));
      },
    });
    const urls = [0, 1, 2].map((i) => `${server.url}/f${i}`);
    const results = byIndex(await run(urls, { ...tls, outputDir: dir, hash: 'sha256' }));
    for (const [i, r] of results.entries()) {
      expect(r.ok).toBe(true);
      const saved = await readFile(join(dir, r.savedTo!));
      expect(saved.toString()).toBe(`body of /f${i}`.repeat(1000));
      expect(r.sha256).toBe(createHash('sha256').update(saved).digest('hex'));
    }
  });

  it('retries a 503 on HTTP/2, counting the attempt', async () => {
    let calls = 0;
    const server = await h2({
      handler: (stream) => {
        calls++;
        stream.respond({ ':status': calls === 1 ? 503 : 200 });
        stream.end();
      },
    });
    const r = await one(`${server.url}/again`, { ...tls, retries: 1, retryDelay: 10 });
    expect(r).toMatchObject({ ok: true, status: 200, attempts: 2, httpVersion: '2' });
  });

  it('through a CONNECT proxy: TLS with ALPN inside the tunnel, HTTP/2 over it', async () => {
    const server = await h2();
    const proxy = await startProxyServer();
    cleanups.push(() => proxy.close());
    const results = await run(
      [0, 1, 2, 3].map((i) => `${server.url}/p${i}`),
      { ...tls, proxy: { https: proxy.url } },
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, httpVersion: '2' });
    expect(proxy.lines.filter((l) => l.startsWith('CONNECT'))).toHaveLength(1);
    expect(server.connections).toBe(1);
  });

  it('--resolve pins a name for an HTTP/2 origin (Host and SNI keep the name)', async () => {
    let authority: string | undefined;
    const server = await h2({
      handler: (stream, headers) => {
        authority = headers[':authority'];
        stream.respond({ ':status': 200 });
        stream.end();
      },
    });
    const r = await one(`https://localhost:${server.port}/pinned`, {
      ...tls,
      resolve: { [`localhost:${server.port}`]: '127.0.0.1' },
    });
    expect(r).toMatchObject({ ok: true, httpVersion: '2', remoteAddress: '127.0.0.1' });
    expect(r.timings.dns).toBeNull();
    expect(authority).toBe(`localhost:${server.port}`);
  });

  it('a stalled response body times out in phase body, per stream', async () => {
    const server = await h2({
      handler: (stream, headers) => {
        stream.respond({ ':status': 200 });
        if (headers[':path'] === '/slow') stream.write('partial');
        else stream.end('fast');
      },
    });
    const results = byIndex(await run([`${server.url}/slow`, `${server.url}/fast`], { ...tls, timeout: 400 }));
    expect(results[0]?.error).toMatchObject({ code: 'timeout', phase: 'body' });
    expect(results[1]).toMatchObject({ ok: true });
  });

  it('a cancelled run ends every stream in flight as cancelled', async () => {
    const server = await h2({ handler: () => {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200).unref();
    const results = await run(
      [0, 1, 2].map((i) => `${server.url}/hang${i}`),
      { ...tls, signal: controller.signal, timeout: 10_000 },
    );
    expect(results.map((r) => r.error?.code)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
