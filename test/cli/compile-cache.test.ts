/**
 * Issue 24: the CLI bundle is compiled through a V8 code cache kept between runs
 * (bin/cli-loader.js). What a user can see of it: one file in NODE_COMPILE_CACHE or in a private
 * directory of the temp dir, used as it is by the next run, replaced when V8 rejects it, never
 * read from a directory another user could write to, and nothing at all with
 * NODE_DISABLE_COMPILE_CACHE=1. Whether it makes a run faster is the benchmark's question.
 */
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const CACHE_FILE = /^fetch-many-[0-9a-f]{32}-v\d+\.\d+\.\d+-[a-z0-9]+\.v8cache$/;

/** A run of two targets that must succeed, with the cache variables set as given. */
async function run(env: Record<string, string | undefined>): Promise<void> {
  const result = await runCli(['--ndjson', '--no-progress', `${server.url}/ok?a`, `${server.url}/ok?b`], {
    env: { NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined, ...env },
  });
  expect(result.code, result.stderr).toBe(0);
  expect(parseNdjson(result.stdout).map((r) => r.status)).toEqual([200, 200]);
}

describe('the CLI code cache', () => {
  it('is written once to NODE_COMPILE_CACHE and used as it is by the next run', async () => {
    const dir = join(tmp.dir, 'chosen');
    await run({ NODE_COMPILE_CACHE: dir });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(CACHE_FILE);
    const path = join(dir, files[0] ?? '');
    const first = await stat(path);
    expect(first.size).toBeGreaterThan(10_000);
    await run({ NODE_COMPILE_CACHE: dir });
    // Not rewritten (a rewrite renames a new file over it): V8 accepted it.
    const second = await stat(path);
    expect(second.ino).toBe(first.ino);
    expect(await readdir(dir)).toEqual(files);
  });

  it('grows: a cache made by a run that ran little is made again after one that ran more', async () => {
    const dir = join(tmp.dir, 'grows');
    // A usage error: the CLI's parser runs, the engine and the reporters never do.
    const usage = await runCli(['--no-such-flag'], {
      env: { NODE_COMPILE_CACHE: dir, NODE_DISABLE_COMPILE_CACHE: undefined },
    });
    expect(usage.code).toBe(2);
    const [name] = await readdir(dir);
    const path = join(dir, name ?? '');
    const thin = await stat(path);
    await run({ NODE_COMPILE_CACHE: dir });
    const grown = await stat(path);
    expect(grown.ino).not.toBe(thin.ino);
    expect(grown.size).toBeGreaterThan(thin.size * 1.05);
    expect(await readdir(dir)).toEqual([name]);
  });

  it('is replaced when V8 rejects it (not a cache), and the run is not affected', async () => {
    const dir = join(tmp.dir, 'garbage');
    await run({ NODE_COMPILE_CACHE: dir });
    const [name] = await readdir(dir);
    const path = join(dir, name ?? '');
    const garbage = Buffer.alloc(4096, 0x5a);
    await writeFile(path, garbage);
    await run({ NODE_COMPILE_CACHE: dir });
    const after = await readFile(path);
    expect(after.equals(garbage)).toBe(false);
    expect(after.length).toBeGreaterThan(10_000);
  });

  it('NODE_DISABLE_COMPILE_CACHE=1: nothing is read or written, chosen directory or not', async () => {
    const chosen = join(tmp.dir, 'disabled');
    await mkdir(chosen);
    const temp = join(tmp.dir, 'disabled-tmp');
    await mkdir(temp);
    await run({ NODE_COMPILE_CACHE: chosen, NODE_DISABLE_COMPILE_CACHE: '1' });
    await run({ TMPDIR: temp, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(await readdir(chosen)).toEqual([]);
    expect(await readdir(temp)).toEqual([]);
  });

  it('by default lives in a private directory of the temp dir (0700), made on first use', async () => {
    const temp = join(tmp.dir, 'default-tmp');
    await mkdir(temp);
    await run({ TMPDIR: temp });
    const dir = join(temp, `fetch-many-compile-cache-${String(process.getuid?.())}`);
    expect(((await stat(dir)).mode & 0o777).toString(8)).toBe('700');
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(CACHE_FILE);
  });

  it('is neither read nor written when others can write to the default directory', async () => {
    const temp = join(tmp.dir, 'shared-tmp');
    const dir = join(temp, `fetch-many-compile-cache-${String(process.getuid?.())}`);
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o777);
    // World-writable, then group-writable: another user could have put a cache of theirs here.
    await run({ TMPDIR: temp });
    expect(await readdir(dir)).toEqual([]);
    await chmod(dir, 0o770);
    await run({ TMPDIR: temp });
    expect(await readdir(dir)).toEqual([]);
  });
});
