/**
 * Issue 22: `outputDir` checks each directory once (lstat, realpath) and caches it; files are
 * then opened by name with O_NOFOLLOW, which covers only the last component. A directory swapped
 * for a symlink after its check led later bodies out of the output directory. Now each opened
 * file is checked to be where it was meant to be (before writing, and again before the rename):
 * the target fails with `write`, and nothing is left outside.
 *
 * The swap is real and deterministic: the server holds the second response until the test has
 * swapped the directory the first one was saved in.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAST_CHUNK } from '../../helpers/response.js';
import { chunk, head, response, send, startHttpServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { byIndex, run } from '../harness.js';

const start = closeAfterEach();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scratch(): { out: string; outside: string } {
  const base = mkdtempSync(join(tmpdir(), 'fm-swap-'));
  dirs.push(base);
  const outside = join(base, 'outside');
  mkdirSync(outside);
  return { out: join(base, 'out'), outside };
}

/** A promise with its resolve function. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Replaces `dir` by a symlink to `to` (the directory itself moved aside, within the output directory). */
function swapForSymlink(dir: string, to: string): void {
  renameSync(dir, `${dir}-moved`);
  symlinkSync(to, dir);
}

describe('outputDir: a directory swapped for a symlink during the run', () => {
  it('after the directory was checked: the next body in it fails with `write`, nothing lands outside', async () => {
    const { out, outside } = scratch();
    const asked = gate();
    const swapped = gate();
    const server = await start(
      startHttpServer({
        '/a/one': (_req, ctx) => send(ctx.socket, response(200, 'one')),
        '/a/two': async (_req, ctx) => {
          asked.open();
          await swapped.promise;
          send(ctx.socket, response(200, 'two'));
        },
      }),
    );
    const host = `127.0.0.1_${server.port}`;
    const running = run([`${server.url}/a/one`, `${server.url}/a/two`], { outputDir: out, concurrency: 1 });
    await asked.promise;
    // /a/one was saved in out/<host>/a, which is now checked and remembered.
    expect(readFileSync(join(out, host, 'a', 'one'), 'utf8')).toBe('one');
    swapForSymlink(join(out, host, 'a'), outside);
    swapped.open();
    const [first, second] = byIndex(await running);
    expect(first).toMatchObject({ ok: true, savedTo: `${host}/a/one` });
    expect(second).toMatchObject({ ok: false, savedTo: null, error: { code: 'write' } });
    expect(second?.error?.message).toBe(
      `cannot write ${join(out, host, 'a', 'two')}: resolves outside the output directory (EXDEV)`,
    );
    expect(readdirSync(outside)).toEqual([]);
  });

  it('while a body is being written: not renamed into the swapped path, no file left outside', async () => {
    const { out, outside } = scratch();
    const halfway = gate();
    const swapped = gate();
    const server = await start(
      startHttpServer({
        '/b/file': async (_req, ctx) => {
          ctx.socket.write(head(200, [['transfer-encoding', 'chunked']]));
          ctx.socket.write(chunk('first half;'));
          halfway.open();
          await swapped.promise;
          ctx.socket.end(Buffer.concat([chunk('second half'), Buffer.from(LAST_CHUNK)]));
        },
      }),
    );
    const host = `127.0.0.1_${server.port}`;
    const running = run([`${server.url}/b/file`], { outputDir: out });
    await halfway.promise;
    // The temp file exists once the first bytes are being written: wait for it, then swap.
    const dir = join(out, host, 'b');
    for (let i = 0; i < 500 && !(existsSync(dir) && readdirSync(dir).length > 0); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(readdirSync(dir)).toHaveLength(1);
    swapForSymlink(dir, outside);
    swapped.open();
    const [result] = await running;
    expect(result).toMatchObject({ ok: false, savedTo: null, error: { code: 'write' } });
    expect(readdirSync(outside)).toEqual([]);
    // The temp file was removed from where it really was.
    expect(readdirSync(`${dir}-moved`)).toEqual([]);
  });
});
