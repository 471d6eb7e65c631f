/**
 * EngineHooks.bodySinks (issue 21): the crawler and the sitemap reader read final bodies through
 * it. The sink gets the body as the user sees it (decoded with `compressed`), `end()` before the
 * target's result is reported, `abort()` (and no `end()`) when the body fails; the factory sees
 * the target, the status and the Content-Type.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BodySink } from '../../../src/engine/bodies/bodies.js';
import { runTargets } from '../../../src/engine/run.js';
import type { Result } from '../../../src/types.js';
import { prepare } from '../harness.js';

let server: Server;
let origin: string;
const PAGE = '<html>'.padEnd(200_000, 'x');

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/page') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.write(PAGE.slice(0, 1000));
      setImmediate(() => res.end(PAGE.slice(1000)));
    } else if (req.url === '/gzip') {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync(PAGE));
    } else if (req.url === '/cut') {
      res.setHeader('content-length', '1000');
      res.write('x'.repeat(100));
      setImmediate(() => res.destroy());
    } else {
      res.statusCode = 404;
      res.end('missing');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('bodySinks', () => {
  it('hands each final body to its sink, ended before the result; aborted when it fails', async () => {
    const log: string[] = [];
    const bodies = new Map<string, Buffer[]>();
    const seen: Array<[string, number, string | undefined]> = [];
    const results: Result[] = [];
    await runTargets(
      prepare([`${origin}/page`, `${origin}/gzip`, `${origin}/cut`, `${origin}/missing`]),
      { compressed: true },
      (r) => {
        results.push(r);
        log.push(`result ${new URL(r.url ?? '').pathname}`);
      },
      {
        bodySinks: (target, status, contentType) => {
          const path = new URL(target.url).pathname;
          seen.push([path, status, contentType]);
          if (status !== 200) return null;
          const chunks: Buffer[] = [];
          bodies.set(path, chunks);
          const sink: BodySink = {
            push: (chunk) => chunks.push(Buffer.from(chunk)),
            end: () => log.push(`end ${path}`),
            abort: () => log.push(`abort ${path}`),
          };
          return sink;
        },
      },
    );
    expect(seen.sort()).toEqual([
      ['/cut', 200, undefined],
      ['/gzip', 200, undefined],
      ['/missing', 404, undefined],
      ['/page', 200, 'text/html; charset=utf-8'],
    ]);
    expect(Buffer.concat(bodies.get('/page') ?? []).toString()).toBe(PAGE);
    // Decoded with `compressed`: the sink reads what the user would.
    expect(Buffer.concat(bodies.get('/gzip') ?? []).toString()).toBe(PAGE);
    for (const path of ['/page', '/gzip']) {
      expect(log.indexOf(`end ${path}`), path).toBeGreaterThan(-1);
      expect(log.indexOf(`end ${path}`), path).toBeLessThan(log.indexOf(`result ${path}`));
    }
    expect(log).toContain('abort /cut');
    expect(log).not.toContain('end /cut');
    expect(results.find((r) => r.url?.endsWith('/cut'))?.error?.code).toBe('truncated');
    expect(log.filter((l) => l.startsWith('end ') || l.startsWith('abort '))).toHaveLength(3);
  });
});
