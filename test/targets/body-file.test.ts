/**
 * A target's `bodyFile` (issue 24) through the library and the target readers: the field checked,
 * the file measured without blocking, order kept while it is, relative paths resolved.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTargets } from '../../src/engine/run.js';
import { fetchMany, type Result } from '../../src/index.js';
import { prepareTargets, readSelectedTargets, readTargets } from '../../src/targets/index.js';
import type { FileBody, PreparedTarget, Target } from '../../src/types.js';

let dir: string;
let server: Server;
const received: Array<{ path: string; length: string | undefined; sha256: string }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fetch-many-bodyfile-lib-'));
  server = createServer((req, res) => {
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', length: req.headers['content-length'], sha256: hash.digest('hex') });
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const url = (path: string): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const bodyOf = (t: PreparedTarget | undefined): FileBody => (t as Target).body as FileBody;

describe('bodyFile in the library', () => {
  it('fetchMany sends the file (a relative path from the cwd); bad ones are invalid_target, the rest run', async () => {
    const bytes = Buffer.from('line one\r\nline two\n'.repeat(5000));
    const path = join(dir, 'lib.bin');
    await writeFile(path, bytes);
    received.length = 0;
    const results: Result[] = await all(
      fetchMany(
        [
          { url: url('/absolute'), bodyFile: path },
          { url: url('/relative'), bodyFile: relative(process.cwd(), path) },
          { url: url('/both'), bodyFile: path, body: 'x' },
          { url: url('/missing'), bodyFile: join(dir, 'missing.bin') },
          { url: url('/typed'), bodyFile: 42 as never },
        ],
        { concurrency: 1, body: 'the run’s body' },
      ),
    );
    const byIndex = results.sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => [r.ok, r.method, r.error?.code ?? null])).toEqual([
      [true, 'POST', null],
      [true, 'POST', null],
      [false, 'GET', 'invalid_target'],
      [false, 'GET', 'invalid_target'],
      [false, 'GET', 'invalid_target'],
    ]);
    expect(byIndex.slice(2).map((r) => r.error?.message)).toEqual([
      'give "body" or "bodyFile", not both',
      `field "bodyFile": cannot read ${join(dir, 'missing.bin')}: no such file`,
      'field "bodyFile" must be a path (a string), got number 42',
    ]);
    const want = { length: String(bytes.length), sha256: sha256(bytes) };
    expect(received).toEqual([
      { path: '/absolute', ...want },
      { path: '/relative', ...want },
    ]);
  });

  it('a file that shrinks after it was measured fails its request, never a lying Content-Length', async () => {
    const path = join(dir, 'shrinks.bin');
    await writeFile(path, Buffer.alloc(200_000, 1));
    const prepared = await all(prepareTargets([{ url: url('/shrinks'), bodyFile: path }], {}));
    await truncate(path, 1000);
    received.length = 0;
    const results: Result[] = [];
    await runTargets(prepared, { timeout: 10_000 }, (r) => results.push(r));
    expect(results).toHaveLength(1);
    expect(results[0]!.error?.code).toBe('write');
    expect(results[0]!.error?.message).toContain(`request body file ${path} changed while it was sent`);
    // The server never saw a complete body of the announced length.
    expect(received.filter((r) => r.length === '200000' && r.sha256 === sha256(Buffer.alloc(200_000, 1)))).toEqual([]);
  });
});

describe('bodyFile in the target readers', () => {
  it('measures the file: its size, the path resolved, and the path as written kept', async () => {
    await writeFile(join(dir, 'seven.bin'), '7 bytes');
    const [target] = await all(prepareTargets([{ url: 'http://127.0.0.1:9/', bodyFile: join(dir, 'seven.bin') }], {}));
    expect(bodyOf(target)).toEqual({
      kind: 'file',
      parts: [{ path: join(dir, 'seven.bin'), strip: false, length: 7, written: join(dir, 'seven.bin') }],
      length: 7,
    });
  });

  it('a file list resolves against its own folder; stdin against the cwd', async () => {
    await writeFile(join(dir, 'near.bin'), 'near');
    await writeFile(join(dir, 'list.json'), JSON.stringify([{ url: 'http://127.0.0.1:9/', bodyFile: 'near.bin' }]));
    const [fromFile] = await all(await readTargets([{ kind: 'file', path: join(dir, 'list.json') }], {}));
    expect(bodyOf(fromFile).parts).toEqual([
      { path: join(dir, 'near.bin'), strip: false, length: 4, written: 'near.bin' },
    ]);
    const stdin = Readable.from([`{"url": "http://127.0.0.1:9/", "bodyFile": "near.bin"}\n`]);
    const [fromStdin] = await all(await readTargets([{ kind: 'stdin' }], {}, stdin));
    expect(fromStdin).toMatchObject({
      invalid: `field "bodyFile": cannot read ${join(process.cwd(), 'near.bin')}: no such file`,
    });
  });

  it('the target stream keeps the order while a file is measured: takeNow waits for it', async () => {
    await writeFile(join(dir, 'one.bin'), '1');
    const lines = [
      { url: 'http://127.0.0.1:9/a' },
      { url: 'http://127.0.0.1:9/b', bodyFile: join(dir, 'one.bin') },
      { url: 'http://127.0.0.1:9/c' },
      { url: 'http://127.0.0.1:9/d', bodyFile: join(dir, 'nope.bin') },
      { url: 'http://127.0.0.1:9/e' },
    ];
    const stdin = Readable.from([lines.map((l) => JSON.stringify(l)).join('\n')]);
    const { targets } = await readSelectedTargets([{ kind: 'stdin' }], {}, stdin, {});
    const got: PreparedTarget[] = [];
    const first = await targets.next();
    if (first.done !== true) got.push(first.value);
    for (;;) {
      // As the engine takes them: without a promise while it can, else through next().
      const now = targets.takeNow();
      if (now !== undefined) {
        got.push(now);
        continue;
      }
      const next = await targets.next();
      if (next.done === true) break;
      got.push(next.value);
    }
    expect(got.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    expect(bodyOf(got[1]).length).toBe(1);
    expect('invalid' in got[3]!).toBe(true);
    expect(got.filter((t) => 'invalid' in t)).toHaveLength(1);
  });
});
