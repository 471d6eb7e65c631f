/** Request bodies read from files as they are sent (issue 24): what the engine does when a file misbehaves. */
import { once } from 'node:events';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureFileBody, stripLineBreaks } from '../../../src/targets/file-body.js';
import { one } from '../harness.js';

let dir: string;
let h1: Server;
let h2: Http2Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-upload-engine-'));
  const sink = (req: NodeJS.ReadableStream, res: { end(s: string): void }): void => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(String(n)));
    req.on('error', () => {});
  };
  h1 = createServer(sink as never);
  h2 = createH2Server(sink as never);
  h1.listen(0, '127.0.0.1');
  h2.listen(0, '127.0.0.1');
  await Promise.all([once(h1, 'listening'), once(h2, 'listening')]);
});

afterAll(async () => {
  h1.closeAllConnections();
  await Promise.all([new Promise((r) => h1.close(r)), new Promise((r) => h2.close(r))]);
  await rm(dir, { recursive: true, force: true });
});

const url = (server: Server | Http2Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

describe('file bodies', () => {
  it('CR and LF are left out at every position, in one chunk or split anywhere', () => {
    const bytes = Buffer.from('\r\nab\r\n\rc\n\nd\re\r\n\r\nfg\n');
    const want = Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parts = [bytes.subarray(0, cut), bytes.subarray(cut)].map((p) =>
        stripLineBreaks(p, Buffer.alloc(p.length)),
      );
      expect(Buffer.concat(parts)).toEqual(want);
    }
    expect(stripLineBreaks(Buffer.from('plain'), Buffer.alloc(5)).toString()).toBe('plain');
  });

  it('the announced length is the stripped length for -d, the size for --data-binary', async () => {
    const path = join(dir, 'lines.txt');
    await writeFile(path, 'a=1\r\n&b=2\n');
    const body = await measureFileBody([{ path, strip: true }, Buffer.from('&'), { path, strip: false }]);
    expect(body.length).toBe(7 + 1 + 10);
  });

  for (const [name, server, options] of [
    ['HTTP/1.1', () => h1, {}],
    ['HTTP/2', () => h2, { http2PriorKnowledge: true }],
  ] as const) {
    it(`${name}: a file that shrank or grew after it was measured fails its request (write), naming it`, async () => {
      for (const [label, size] of [
        ['shrank', 1000],
        ['grew', 300_000],
      ] as const) {
        const path = join(dir, `${label}.bin`);
        await writeFile(path, Buffer.alloc(200_000, 1));
        const body = await measureFileBody([{ path, strip: false }]);
        if (size < 200_000) await truncate(path, size);
        else await writeFile(path, Buffer.alloc(size, 2));
        const r = await one(url(server()), { timeout: 10_000, ...options }, { body });
        expect(r.ok).toBe(false);
        expect(r.error?.code).toBe('write');
        expect(r.error?.message).toContain(`request body file ${path} changed while it was sent`);
      }
    });
  }
});
