/**
 * Request bodies from files are streamed (issue 24): `-d @file` and `--data-binary @file` are
 * read as each request goes out, never held whole, so a run's peak memory does not grow with the
 * file. The peak is the CLI child's own VmHWM (/proc/self/status, read at its exit by a preloaded
 * module), never a timing. The big upload is the 1 GiB (about 8 s here, file made and
 * hashed included); FETCH_MANY_UPLOAD_MIB sets another size.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, ROOT, runCli } from './harness.js';

const MIB = 1024 * 1024;
const BIG_MIB = Number(process.env.FETCH_MANY_UPLOAD_MIB ?? 1024);
const PEAK = join(ROOT, 'test', 'helpers', 'peak-rss-report.mjs');
const env = { NODE_OPTIONS: `--import=${PEAK}`, HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '' };

interface Received {
  path: string;
  length: string | undefined;
  bytes: number;
  sha256: string;
}

let dir: string;
let http1: Server;
let h2: Http2Server;
const received: Received[] = [];

/** Hashes each request body as it arrives; `/redirect` answers 307 to `/` after reading it. */
function hashing(req: IncomingMessage, res: ServerResponse): void;
function hashing(
  req: IncomingMessage | import('node:http2').Http2ServerRequest,
  res: ServerResponse | import('node:http2').Http2ServerResponse,
): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  req.on('end', () => {
    received.push({ path: req.url ?? '', length: req.headers['content-length'], bytes, sha256: hash.digest('hex') });
    if (req.url === '/redirect') {
      res.writeHead(307, { location: '/' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
}

function url(server: Server | Http2Server, path = '/'): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
}

/** Writes `mib` MiB of varied bytes (line breaks included) and returns the sha256 of the file and of it without CR/LF. */
async function makeFile(
  name: string,
  mib: number,
  strip = false,
): Promise<{ path: string; sha256: string; stripped: string; strippedBytes: number }> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const whole = createHash('sha256');
  const stripped = createHash('sha256');
  let strippedBytes = 0;
  const block = Buffer.alloc(MIB);
  for (let i = 0; i < mib; i++) {
    for (let j = 0; j < MIB; j += 4) block.writeUInt32LE((Math.imul(i * MIB + j, 2654435761) ^ i) >>> 0, j);
    // Every 100th byte a line break (CR LF or LF), as a text file would have.
    for (let j = 50; j < MIB; j += 100) block[j] = j % 200 === 50 ? 0x0a : 0x0d;
    const copy = Buffer.from(block);
    whole.update(copy);
    if (strip) {
      // The test's own reference, per byte on purpose: a different way from the one under test.
      const kept = Buffer.from(copy.filter((b) => b !== 0x0a && b !== 0x0d));
      stripped.update(kept);
      strippedBytes += kept.length;
    }
    if (!out.write(copy)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  return { path, sha256: whole.digest('hex'), stripped: stripped.digest('hex'), strippedBytes };
}

function peakMiB(stderr: string): number {
  const m = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  if (m === null) throw new Error(`no peak RSS report in: ${stderr.slice(-500)}`);
  return Number(m[1]) / 1024;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-upload-'));
  http1 = createServer(hashing);
  h2 = createH2Server(hashing as never);
  http1.listen(0, '127.0.0.1');
  h2.listen(0, '127.0.0.1');
  await Promise.all([once(http1, 'listening'), once(h2, 'listening')]);
});

afterAll(async () => {
  http1.closeAllConnections();
  await Promise.all([new Promise((r) => http1.close(r)), new Promise((r) => h2.close(r))]);
  await rm(dir, { recursive: true, force: true });
});

describe('request bodies stream from their file', () => {
  it(`--data-binary @file of ${BIG_MIB} MiB arrives whole (same sha256) with peak RSS ≤ 80 MiB`, async () => {
    const file = await makeFile('big.bin', BIG_MIB);
    received.length = 0;
    const run = await runCli(
      ['--ndjson', '--no-progress', '--timeout', '600s', '--data-binary', `@${file.path}`, url(http1)],
      {
        env,
        killAfterMs: 600_000,
      },
    );
    await rm(file.path);
    expect(run.code, run.stderr).toBe(0);
    expect(received).toEqual([{ path: '/', length: String(BIG_MIB * MIB), bytes: BIG_MIB * MIB, sha256: file.sha256 }]);
    const peak = peakMiB(run.stderr);
    console.log(`--data-binary @file ${BIG_MIB} MiB over HTTP/1.1: peak RSS ${peak.toFixed(1)} MiB`);
    expect(peak).toBeLessThanOrEqual(80);
  }, 600_000);

  it('-d @file leaves CR and LF out as it streams, with the stripped length announced; HTTP/2 too', async () => {
    const file = await makeFile('text.txt', 64, true);
    received.length = 0;
    const run1 = await runCli(['--ndjson', '--no-progress', '--timeout', '300s', '-d', `@${file.path}`, url(http1)], {
      env,
      killAfterMs: 300_000,
    });
    const run2 = await runCli(
      ['--ndjson', '--no-progress', '--timeout', '300s', '--http2-prior-knowledge', '-d', `@${file.path}`, url(h2)],
      { env, killAfterMs: 300_000 },
    );
    expect(run1.code, run1.stderr).toBe(0);
    expect(run2.code, run2.stderr).toBe(0);
    expect(parseNdjson(run2.stdout)[0]?.httpVersion).toBe('2');
    const want = { path: '/', length: String(file.strippedBytes), bytes: file.strippedBytes, sha256: file.stripped };
    expect(received).toEqual([want, want]);
    expect(file.strippedBytes).toBeLessThan(64 * MIB);
    for (const run of [run1, run2]) expect(peakMiB(run.stderr)).toBeLessThanOrEqual(80);
  }, 300_000);

  it('200 targets × a 1 MiB file body: every body whole, peak RSS ≤ 120 MiB', async () => {
    const file = await makeFile('one.bin', 1);
    received.length = 0;
    const urls = Array.from({ length: 200 }, (_, i) => url(http1, `/t${i}`)).join('\n');
    const run = await runCli(['--ndjson', '--no-progress', '-c', '50', '--data-binary', `@${file.path}`, '-'], {
      env,
      stdin: urls,
      killAfterMs: 300_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout).filter((r) => r.ok)).toHaveLength(200);
    expect(received).toHaveLength(200);
    for (const r of received) expect(r).toMatchObject({ bytes: MIB, sha256: file.sha256, length: String(MIB) });
    const peak = peakMiB(run.stderr);
    console.log(`200 × 1 MiB --data-binary @file: peak RSS ${peak.toFixed(1)} MiB`);
    expect(peak).toBeLessThanOrEqual(120);
  }, 300_000);

  it('a 307 redirect resends the body: the file is read again from its start', async () => {
    const file = await makeFile('again.bin', 2);
    received.length = 0;
    for (const extra of [[], ['--http2-prior-knowledge']]) {
      const server = extra.length === 0 ? http1 : h2;
      const run = await runCli(
        ['--ndjson', '--no-progress', '-L', ...extra, '--data-binary', `@${file.path}`, url(server, '/redirect')],
        {
          env,
        },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(parseNdjson(run.stdout)[0]).toMatchObject({ ok: true, status: 200 });
    }
    const want = (path: string) => ({ path, length: String(2 * MIB), bytes: 2 * MIB, sha256: file.sha256 });
    expect(received).toEqual([want('/redirect'), want('/'), want('/redirect'), want('/')]);
  }, 120_000);
});
