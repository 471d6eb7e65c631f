/**
 * A slow disk slows the download, not memory: while the disk takes nothing, a saved body stops
 * being read (plain, and decoded with `compressed`, where a small read can inflate into a lot).
 * The disk is made "slow" by holding every file write until the test lets go.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BodyFile } from '../../../src/engine/bodies/body-file.js';
import { caCert } from '../../helpers/certs.js';
import { patternBytes, response, send, startHttpServer, startHttpsServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { one } from '../harness.js';

const gate = vi.hoisted(() => ({ hold: false, held: [] as Array<() => void> }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writev = ((fd: number, buffers: NodeJS.ArrayBufferView[], cb: (...args: unknown[]) => void) => {
    if (gate.hold) gate.held.push(() => fs.writev(fd, buffers, cb as never));
    else fs.writev(fd, buffers, cb as never);
  }) as typeof fs.writev;
  return { ...fs, default: { ...fs, writev }, writev };
});

const start = closeAfterEach();
const dirs: string[] = [];
afterEach(() => {
  gate.hold = false;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

const BIG = patternBytes(32 * 1024 * 1024);
const ZEROS = Buffer.alloc(64 * 1024 * 1024);

/** Waits (bounded) until `pushed()` stops growing for a while: the download has stalled or ended. */
async function settle(pushed: () => number): Promise<void> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (pushed() > 0 && pushed() === last) return;
    last = pushed();
  }
}

/**
 * Fetches `url` into an output directory while every file write is held, checks that only a
 * bounded amount waited in memory, then releases the writes and checks the saved file is `body`.
 */
async function savesWithWritesHeld(url: string, options: Parameters<typeof one>[1], body: Buffer): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'fm-bp-'));
  dirs.push(out);
  let pushed = 0;
  const push = BodyFile.prototype.push;
  vi.spyOn(BodyFile.prototype, 'push').mockImplementation(function (this: BodyFile, chunk: Buffer) {
    pushed += chunk.length;
    push.call(this, chunk);
  });
  gate.hold = true;
  const result = one(url, { ...options, outputDir: out, timeout: 30_000 });
  await settle(() => pushed);
  // Held: the first write plus what queued behind it before reading stopped.
  expect(pushed).toBeGreaterThan(0);
  expect(pushed).toBeLessThan(2 * 1024 * 1024);
  gate.hold = false;
  for (const release of gate.held.splice(0)) release();
  const r = await result;
  expect(r).toMatchObject({ ok: true, error: null });
  expect(pushed).toBe(body.length);
  expect(readFileSync(join(out, r.savedTo!)).equals(body)).toBe(true);
}

describe('backpressure to the disk', () => {
  it.each([
    ['plain', '/big', false, BIG],
    ['gzip, decoded', '/zeros', true, ZEROS],
  ])('%s: while writes are held, at most a few hundred KiB wait in memory', async (_, path, compressed, body) => {
    const gz = gzipSync(ZEROS);
    const server = await start(
      startHttpServer({
        '/big': (_req, ctx) => send(ctx.socket, response(200, BIG)),
        '/zeros': (_req, ctx) => send(ctx.socket, response(200, gz, [['Content-Encoding', 'gzip']])),
      }),
    );
    await savesWithWritesHeld(`${server.url}${path}`, { compressed }, body);
  });

  it('HTTPS/1.1 reading into the shared buffer (tlsDirect): reading stops while writes are held', async () => {
    const server = await start(
      startHttpsServer({ routes: { '/big': (_req, ctx) => send(ctx.socket, response(200, BIG)) } }),
    );
    await savesWithWritesHeld(`${server.url}/big`, { ca: [caCert], http1Only: true }, BIG);
  });
});
