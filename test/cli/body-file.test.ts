/**
 * A target's `bodyFile` (issue 24): the body streamed from a file named in the target file, as
 * `--data-binary @file`. Bodies are hashed by a loopback server as they arrive.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseNdjson, runCli } from './harness.js';

interface Received {
  path: string;
  method: string;
  length: string | undefined;
  contentType: string | undefined;
  bytes: number;
  sha256: string;
}

let dir: string;
let server: Server;
const received: Received[] = [];
const env = { HTTP_PROXY: '', http_proxy: '', NO_PROXY: '', no_proxy: '' };

/** Hashes each request body; `/redirect` answers 307 to `/landed` once the body is read. */
function hashing(req: IncomingMessage, res: ServerResponse): void {
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  req.on('end', () => {
    received.push({
      path: req.url ?? '',
      method: req.method ?? '',
      length: req.headers['content-length'],
      contentType: req.headers['content-type'],
      bytes,
      sha256: hash.digest('hex'),
    });
    if (req.url === '/redirect') res.writeHead(307, { location: '/landed' }).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
}

const url = (path: string): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Bytes that CR/LF removal would change, so a body sent as `-d @file` would differ. */
function bytesOf(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (Math.imul(i + seed, 2654435761) >>> 24) & 0xff;
  b[7] = 0x0a;
  b[9] = 0x0d;
  return b;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-bodyfile-'));
  server = createServer(hashing);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

beforeEach(() => {
  received.length = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('a target’s bodyFile', () => {
  it('sends each file’s bytes as they are; a relative path is relative to the target file', async () => {
    const lists = join(dir, 'lists');
    await mkdir(join(lists, 'bodies'), { recursive: true });
    const near = bytesOf(300_000, 1);
    const far = bytesOf(70_001, 2);
    await writeFile(join(lists, 'bodies', 'near.bin'), near);
    await writeFile(join(dir, 'far.bin'), far);
    await writeFile(
      join(lists, 'targets.json'),
      JSON.stringify([
        { url: url('/near'), bodyFile: 'bodies/near.bin' },
        { url: url('/far'), method: 'PUT', bodyFile: join(dir, 'far.bin') },
      ]),
    );
    // Run from another folder, which holds no bodies/ of its own.
    const elsewhere = join(dir, 'elsewhere');
    await mkdir(elsewhere);
    const run = await runCli(['--ndjson', '--no-progress', '-c', '1', join(lists, 'targets.json')], {
      env,
      cwd: elsewhere,
    });
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.ok, r.method])).toEqual([
      [true, 'POST'],
      [true, 'PUT'],
    ]);
    // The input shows the path, never the file's bytes.
    expect(results[0]!.input).toContain('"bodyFile":"bodies/near.bin"');
    expect(results[0]!.input.length).toBeLessThan(200);
    expect(received).toEqual([
      {
        path: '/near',
        method: 'POST',
        length: String(near.length),
        contentType: undefined,
        bytes: near.length,
        sha256: sha256(near),
      },
      {
        path: '/far',
        method: 'PUT',
        length: String(far.length),
        contentType: undefined,
        bytes: far.length,
        sha256: sha256(far),
      },
    ]);
  });

  it('wins over the run’s -d, as a target’s body does, without -d’s Content-Type; stdin resolves against the cwd', async () => {
    const bytes = bytesOf(5000, 3);
    await writeFile(join(dir, 'own.bin'), bytes);
    const stdin = `${JSON.stringify({ url: url('/own'), bodyFile: 'own.bin' })}\n${JSON.stringify({ url: url('/plain') })}\n`;
    const run = await runCli(['--ndjson', '--no-progress', '-c', '1', '-d', 'a=1', '-'], { env, cwd: dir, stdin });
    expect(run.code, run.stderr).toBe(0);
    expect(received).toEqual([
      { path: '/own', method: 'POST', length: '5000', contentType: undefined, bytes: 5000, sha256: sha256(bytes) },
      {
        path: '/plain',
        method: 'POST',
        length: '3',
        contentType: 'application/x-www-form-urlencoded',
        bytes: 3,
        sha256: sha256(Buffer.from('a=1')),
      },
    ]);
  });

  it('a 307 redirect resends the same bytes, the file read again from its start', async () => {
    const bytes = bytesOf(1 << 20, 4);
    await writeFile(join(dir, 'again.bin'), bytes);
    await writeFile(join(dir, 'redirect.json'), JSON.stringify([{ url: url('/redirect'), bodyFile: 'again.bin' }]));
    const run = await runCli(['--ndjson', '--no-progress', '-L', join(dir, 'redirect.json')], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(parseNdjson(run.stdout)[0]).toMatchObject({ ok: true, status: 200 });
    const want = (path: string): Received => ({
      path,
      method: 'POST',
      length: String(bytes.length),
      contentType: undefined,
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
    expect(received).toEqual([want('/redirect'), want('/landed')]);
  });

  it('beside "body" (or "data") in a file: that target is invalid_target naming both, the others run', async () => {
    await writeFile(join(dir, 'x.bin'), 'x');
    const file = join(dir, 'both.json');
    await writeFile(
      file,
      `[\n  {"url": "${url('/first')}"},\n  {"url": "${url('/both')}",\n   "bodyFile": "x.bin", "body": "y"}\n]\n`,
    );
    const run = await runCli(['--no-progress', '--ndjson', file], { env });
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.ok, r.error?.code ?? null])).toEqual([
      [true, null],
      [false, 'invalid_target'],
    ]);
    expect(results[1]?.error?.message).toContain('give "body" or "bodyFile", not both');
    expect(results[1]?.source).toEqual({ file, line: 3 });

    const lines = join(dir, 'both.jsonl');
    await writeFile(lines, `{"url": "${url('/a')}", "bodyFile": "x.bin", "data": "y"}\n{"url": "${url('/b')}"}\n`);
    const streamed = await runCli(['--no-progress', '--ndjson', lines], { env });
    expect(streamed.code, streamed.stderr).toBe(1);
    const second = parseNdjson(streamed.stdout).sort((a, b) => a.index - b.index);
    expect(second[0]?.error?.message).toContain('give "data" or "bodyFile", not both');
    // The ambiguous target sent nothing; the others all ran.
    expect(received.map((r) => r.path)).toEqual(['/first', '/b']);
  });

  it('a file that cannot be read: that target is invalid_target naming the path, the other runs (exit 1)', async () => {
    const ok = bytesOf(1000, 5);
    await writeFile(join(dir, 'present.bin'), ok);
    await mkdir(join(dir, 'a-folder'), { recursive: true });
    const file = join(dir, 'missing.json');
    await writeFile(
      file,
      JSON.stringify([
        { url: url('/missing'), bodyFile: 'nope/missing.bin' },
        { url: url('/present'), bodyFile: 'present.bin' },
        { url: url('/folder'), bodyFile: 'a-folder' },
      ]),
    );
    const run = await runCli(['--ndjson', '--no-progress', file], { env });
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.ok, r.error?.code ?? null])).toEqual([
      [false, 'invalid_target'],
      [true, null],
      [false, 'invalid_target'],
    ]);
    expect(results[0]!.error?.message).toBe(
      `field "bodyFile": cannot read ${join(dir, 'nope', 'missing.bin')}: no such file`,
    );
    expect(results[2]!.error?.message).toBe(
      `field "bodyFile": cannot read ${join(dir, 'a-folder')}: not a regular file`,
    );
    expect(received.map((r) => [r.path, r.sha256])).toEqual([['/present', sha256(ok)]]);
  });

  it('requestBodySha256 follows the path as written and the size, not where the list is', async () => {
    const digests: string[] = [];
    for (const [folder, size] of [
      ['one', 10],
      ['two', 10],
      ['three', 11],
    ] as const) {
      await mkdir(join(dir, folder), { recursive: true });
      await writeFile(join(dir, folder, 'b.bin'), bytesOf(size, 6));
      await writeFile(join(dir, folder, 't.json'), JSON.stringify([{ url: url('/same'), bodyFile: 'b.bin' }]));
      const run = await runCli(['--ndjson', '--no-progress', join(dir, folder, 't.json')], { env });
      expect(run.code, run.stderr).toBe(0);
      digests.push(parseNdjson(run.stdout)[0]!.requestBodySha256 ?? '');
    }
    expect(digests[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(digests[1]).toBe(digests[0]);
    expect(digests[2]).not.toBe(digests[0]);
  });
});
