/**
 * `outputDir` and `hash`: bodies saved as they stream (the right bytes, plain, chunked, decoded
 * with `compressed`), named from the URL deterministically and never outside the directory,
 * written to a temp name and renamed, no file for a failed body, `write` errors per target.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import type { Result } from '../../../src/types.js';
import { head, patternBytes, response, send, startHttpServer, type RouteHandler } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { byIndex, one, run } from '../harness.js';

const start = closeAfterEach();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the system temp dir; `out` is where bodies go (not created yet). */
function scratch(): { base: string; out: string } {
  const base = mkdtempSync(join(tmpdir(), 'fm-bodies-'));
  dirs.push(base);
  return { base, out: join(base, 'out') };
}

/** Every entry under `dir`, relative, `/`-separated, sorted; directories end in `/`. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p).split('\\').join('/');
      if (e.isDirectory()) {
        out.push(`${rel}/`);
        walk(p);
      } else out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

const TEXT = `${'{"status":"ok","pad":"The quick brown fox"}\n'.repeat(500)}`;
const BIG = patternBytes(3 * 1024 * 1024 + 17);

const routes: Record<string, RouteHandler> = {
  '/gzip': (_req, ctx) => send(ctx.socket, response(200, gzipSync(TEXT), [['Content-Encoding', 'gzip']])),
  '/big': (_req, ctx) => send(ctx.socket, response(200, BIG)),
  '/query': (req, ctx) => send(ctx.socket, response(200, `you asked for ${req.target}`)),
  '/truncated': (_req, ctx) => {
    ctx.socket.end(`${head(200, [['Content-Length', '1000']])}only a part`);
  },
  '/reset': (_req, ctx) => {
    ctx.socket.write(`${head(200, [['Content-Length', '100000']])}${'x'.repeat(5000)}`);
    ctx.later(20, () => ctx.socket.resetAndDestroy());
  },
  '/stall': (_req, ctx) => {
    ctx.socket.write(`${head(200, [['Content-Length', '100000']])}${'x'.repeat(5000)}`);
  },
  '/redirect': (_req, ctx) => send(ctx.socket, response(302, 'moved', [['Location', '/query?final=1']])),
  '/slow-first': (req, ctx) => {
    const body = `body of ${req.target}`;
    if (req.target.includes('first')) ctx.later(150, () => send(ctx.socket, response(200, body)));
    else send(ctx.socket, response(200, body));
  },
};

const hostDir = (port: number): string => `127.0.0.1_${port}`;

describe('saving bodies', () => {
  it('saves each body with the bytes the server sent: Content-Length, chunked, and a large one', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const results = byIndex(
      await run([`${server.url}/bytes/1000`, `${server.url}/chunked/70000`, `${server.url}/big`, `${server.url}/`], {
        outputDir: out,
        timeout: 10_000,
      }),
    );
    const h = hostDir(server.port);
    expect(results.map((r) => r.savedTo)).toEqual([
      `${h}/bytes/1000`,
      `${h}/chunked/70000`,
      `${h}/big`,
      `${h}/index.html`,
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(readFileSync(join(out, h, 'bytes/1000')).equals(patternBytes(1000))).toBe(true);
    expect(readFileSync(join(out, h, 'chunked/70000')).equals(patternBytes(70000))).toBe(true);
    expect(readFileSync(join(out, h, 'big')).equals(BIG)).toBe(true);
    expect(readFileSync(join(out, h, 'index.html'), 'utf8')).toBe('ok');
    // Nothing else: no temp file left behind.
    expect(tree(out)).toEqual([
      `${h}/`,
      `${h}/big`,
      `${h}/bytes/`,
      `${h}/bytes/1000`,
      `${h}/chunked/`,
      `${h}/chunked/70000`,
      `${h}/index.html`,
    ]);
  });

  it('saves the decoded body with compressed, the wire bytes without', async () => {
    const server = await start(startHttpServer(routes));
    const a = scratch();
    const b = scratch();
    const decoded = await one(`${server.url}/gzip`, { outputDir: a.out, compressed: true, timeout: 5000 });
    const raw = await one(`${server.url}/gzip`, { outputDir: b.out, timeout: 5000 });
    expect(readFileSync(join(a.out, decoded.savedTo!), 'utf8')).toBe(TEXT);
    expect(readFileSync(join(b.out, raw.savedTo!)).equals(gzipSync(TEXT))).toBe(true);
  });

  it('gives URLs that differ only in the query different files, the query readable in the name', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const results = byIndex(
      await run([`${server.url}/query?a=1`, `${server.url}/query?a=2`, `${server.url}/query`], { outputDir: out }),
    );
    const h = hostDir(server.port);
    expect(results.map((r) => r.savedTo)).toEqual([`${h}/query@a=1`, `${h}/query@a=2`, `${h}/query`]);
    for (const r of results) {
      expect(readFileSync(join(out, r.savedTo!), 'utf8')).toBe(
        `you asked for ${new URL(r.url!).pathname}${new URL(r.url!).search}`,
      );
    }
  });

  it('settles name collisions by input position, whatever order the responses finish in', async () => {
    const server = await start(startHttpServer(routes));
    const names: string[][] = [];
    for (const order of [0, 1]) {
      const { out } = scratch();
      // The first target answers late on the first run, early on the second.
      const slow = order === 0 ? '/slow-first?first' : '/slow-first?second';
      const results = byIndex(
        await run(
          [
            `${server.url}${slow}`,
            `${server.url}${slow}`,
            `${server.url}/ok`,
            `${server.url}/ok/x`,
            `${server.url}/OK`,
          ],
          { outputDir: out, perHost: 4 },
        ),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      names.push(
        results.map((r) =>
          r
            .savedTo!.split('/')
            .slice(1)
            .join('/')
            .replace(/second/, 'first'),
        ),
      );
      for (const r of results) expect(lstatSync(join(out, r.savedTo!)).isFile()).toBe(true);
    }
    // Same file twice → `~<index>`; a file where a directory is needed → the directory moves;
    // names that differ only in case clash too (case-insensitive disks).
    expect(names[0]).toEqual(['slow-first@first', 'slow-first@first~1', 'ok', 'ok~3/x', 'OK~4']);
    expect(names[1]).toEqual(names[0]);
  });

  it('keeps traversal attempts inside the directory', async () => {
    const server = await start(startHttpServer(routes));
    const { base, out } = scratch();
    const results = byIndex(
      await run(
        [
          `${server.url}/../../etc/x`,
          `${server.url}/a/%2e%2e/%2e%2e/%2E%2E/etc/y`,
          `${server.url}/..%2f..%2fetc%2fz`,
          { host: `127.0.0.1`, port: server.port, path: '/%2e%2e%5c..%5cw' },
          `${server.url}/nul%00and%0d%0acontrols%1b[31m`,
        ],
        { outputDir: out },
      ),
    );
    const root = realpathSync(out);
    for (const r of results) {
      expect(r.savedTo).not.toBeNull();
      expect(r.savedTo).not.toMatch(/(^|\/)\.\.?(\/|$)/);
      expect(r.savedTo).not.toMatch(/[\u0000-\u001f]/);
      expect(realpathSync(join(out, r.savedTo!)).startsWith(`${root}/`)).toBe(true);
    }
    expect(readdirSync(base)).toEqual(['out']);
    const h = hostDir(server.port);
    expect(results.map((r) => r.savedTo)).toEqual([
      `${h}/etc/x`,
      `${h}/etc/y`,
      `${h}/..%2F..%2Fetc%2Fz`,
      `${h}/..%5C..%5Cw`,
      `${h}/nul%00and%0D%0Acontrols%1B[31m`,
    ]);
  });

  it('cuts over-long names to fit, keeping them distinct', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const long = 'é'.repeat(300);
    const results = byIndex(
      await run([`${server.url}/${long}a.txt`, `${server.url}/${long}b.txt`], { outputDir: out }),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const files = results.map((r) => r.savedTo!.split('/')[1]!);
    expect(files[0]).not.toBe(files[1]);
    for (const f of files) {
      expect(Buffer.byteLength(f)).toBeLessThanOrEqual(200);
      expect(f).toMatch(/~[0-9a-f]{8}\.txt$/);
    }
  });

  it('never writes through a symlink already in the directory', async () => {
    const server = await start(startHttpServer(routes));
    const { base, out } = scratch();
    const outside = join(base, 'outside');
    mkdirSync(outside);
    mkdirSync(out);
    const h = hostDir(server.port);
    // The host directory is a symlink out: that target fails with `write`, nothing lands outside.
    symlinkSync(outside, join(out, h));
    const r = await one(`${server.url}/ok`, { outputDir: out });
    expect(r).toMatchObject({ ok: false, savedTo: null, error: { code: 'write' } });
    expect(r.error!.message).toBe(`cannot write ${join(out, h, 'ok')}: is a symbolic link (ELOOP)`);
    expect(readdirSync(outside)).toEqual([]);

    // A symlink where the file goes is replaced by the file; what it pointed at is untouched.
    rmSync(join(out, h));
    mkdirSync(join(out, h));
    writeFileSync(join(outside, 'secret'), 'keep me');
    symlinkSync(join(outside, 'secret'), join(out, h, 'ok'));
    const again = await one(`${server.url}/ok`, { outputDir: out });
    expect(again).toMatchObject({ ok: true, savedTo: `${h}/ok` });
    expect(lstatSync(join(out, h, 'ok')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(out, h, 'ok'), 'utf8')).toBe('ok');
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('keep me');
  });

  it('leaves no file for a body that failed: truncated, reset, too_large, timeout', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const results = byIndex(
      await run(
        [
          `${server.url}/truncated`,
          `${server.url}/reset`,
          `${server.url}/big`,
          `${server.url}/stall`,
          `${server.url}/ok`,
        ],
        { outputDir: out, maxBytes: 1024 * 1024, timeout: 500 },
      ),
    );
    expect(results.map((r) => r.error?.code ?? null)).toEqual(['truncated', 'reset', 'too_large', 'timeout', null]);
    for (const r of results.slice(0, 4)) expect(r.savedTo).toBeNull();
    expect(tree(out)).toEqual([`${hostDir(server.port)}/`, `${hostDir(server.port)}/ok`]);
  });

  it('a run cancelled mid-body removes the partial file before it resolves', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const controller = new AbortController();
    const pending = run([`${server.url}/stall`, `${server.url}/ok`], { outputDir: out, signal: controller.signal });
    // Cancel once the stalled body has started arriving (its temp file exists), bounded.
    const h = hostDir(server.port);
    const hasTemp = (): boolean => existsSync(out) && tree(out).some((f) => f.endsWith('.tmp'));
    for (let i = 0; i < 250 && !hasTemp(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(tree(out).some((f) => f.startsWith(`${h}/.fetch-many-0-`))).toBe(true);
    controller.abort();
    const results = byIndex(await pending);
    expect(results[0]).toMatchObject({ error: { code: 'cancelled' }, savedTo: null });
    expect(tree(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a write error fails only that target, names the path and the errno, and leaves no file', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const h = hostDir(server.port);
    // A directory where the file must go: rename fails with EISDIR.
    mkdirSync(join(out, h, 'ok'), { recursive: true });
    const results = byIndex(await run([`${server.url}/ok`, `${server.url}/bytes/10`], { outputDir: out }));
    expect(results[0]).toMatchObject({ ok: false, savedTo: null, error: { code: 'write' } });
    expect(results[0]!.error!.message).toBe(`cannot write ${join(out, h, 'ok')}: is a directory (EISDIR)`);
    expect(results[1]).toMatchObject({ ok: true, savedTo: `${h}/bytes/10` });
    expect(tree(out)).toEqual([`${h}/`, `${h}/bytes/`, `${h}/bytes/10`, `${h}/ok/`]);
  });

  it('saves only the final response of a followed redirect, under the name of the URL asked for', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const r = await one(`${server.url}/redirect`, { outputDir: out, follow: true });
    expect(r).toMatchObject({ ok: true, status: 200, savedTo: `${hostDir(server.port)}/redirect` });
    expect(readFileSync(join(out, r.savedTo!), 'utf8')).toBe('you asked for /query?final=1');
    expect(tree(out)).toEqual([`${hostDir(server.port)}/`, `${hostDir(server.port)}/redirect`]);
  });

  it('lays files out by outputTemplate; its text cannot climb out either', async () => {
    const server = await start(startHttpServer(routes));
    const { base, out } = scratch();
    const results = byIndex(
      await run(
        [
          { url: `${server.url}/bytes/5`, name: 'five bytes' },
          `${server.url}/status/404`,
          `${server.url}/a/b.json?x=1`,
        ],
        {
          outputDir: out,
          outputTemplate: '../{status}/{index}-{name}{ext}',
          expect: '200-499',
        },
      ),
    );
    expect(results.map((r) => r.savedTo)).toEqual([
      '%2E%2E/200/0-five bytes',
      '%2E%2E/404/1-404',
      '%2E%2E/404/2-b@x=1.json',
    ]);
    expect(readdirSync(base)).toEqual(['out']);
  });

  it('refuses a directory that cannot be used before any request (usage error)', async () => {
    const server = await start(startHttpServer(routes));
    const { base } = scratch();
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    await expect(one(`${server.url}/ok`, { outputDir: file })).rejects.toThrow(UsageError);
    await expect(one(`${server.url}/ok`, { outputDir: join(file, 'sub') })).rejects.toThrow(
      /--output-dir .*a-file\/sub: cannot create it: not a directory \(ENOTDIR\)/,
    );
    await expect(one(`${server.url}/ok`, { outputTemplate: '{host}/{nope}' })).rejects.toThrow(
      /unknown placeholder \{nope\}/,
    );
    expect(server.requests).toBe(0);
  });
});

describe('hash', () => {
  it('adds the digest of the body as saved, equal to sha256sum of the file', async () => {
    const server = await start(startHttpServer(routes));
    const { out } = scratch();
    const results = byIndex(
      await run([`${server.url}/chunked/70000`, `${server.url}/gzip`, `${server.url}/status/204`], {
        outputDir: out,
        hash: 'sha256',
        compressed: true,
      }),
    );
    for (const r of results) {
      const file = join(out, r.savedTo!);
      const sum = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
      expect(r.sha256).toBe(sum);
      expect('sha1' in r || 'md5' in r).toBe(false);
    }
    expect(results[1]!.sha256).toBe(createHash('sha256').update(TEXT).digest('hex'));
    expect(results[2]!.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it.each(['sha1', 'md5'] as const)(
    '%s: the field is named after the algorithm; null when the body failed',
    async (alg) => {
      const server = await start(startHttpServer(routes));
      const results = byIndex(
        await run([`${server.url}/bytes/100`, `${server.url}/truncated`, 'http://'], { hash: alg }),
      );
      expect(results[0]![alg]).toBe(createHash(alg).update(patternBytes(100)).digest('hex'));
      expect(results[0]!.savedTo).toBeNull();
      expect(results[1]).toMatchObject({ [alg]: null, error: { code: 'truncated' } });
      expect(results[2]).toMatchObject({ [alg]: null, error: { code: 'invalid_target' } });
      const keys = (r: Result): string[] => Object.keys(r).filter((k) => ['sha256', 'sha1', 'md5'].includes(k));
      for (const r of results) expect(keys(r)).toEqual([alg]);
    },
  );

  it('rejects an unknown algorithm before any request', async () => {
    await expect(one('http://127.0.0.1:9/', { hash: 'crc32' as never })).rejects.toThrow(
      /option "hash": must be one of sha256, sha1, md5, got "crc32"/,
    );
  });
});
