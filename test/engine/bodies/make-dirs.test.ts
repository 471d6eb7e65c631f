/**
 * Issue 22: `--output-dir /proc/x` spun for ever. Node's recursive mkdir reads ENOENT as "the
 * parent is missing", makes the parent (EEXIST) and retries — and procfs answers ENOENT to a
 * mkdir of any new name. These tests never touch /proc: a procfs-like file system is played by
 * the calls handed in (its mkdir of a child says ENOENT, of itself EEXIST, its stat says
 * "directory"), rooted in a scratch directory so that anything not faked really exists.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { type DirCalls, makeDirs } from '../../../src/engine/bodies/make-dirs.js';
import { OutputDir } from '../../../src/engine/bodies/output-dir.js';

const base = mkdtempSync(join(tmpdir(), 'fm-make-dirs-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

/** Real calls, except under `fakeProc`, which answers as procfs does. Counts every call. */
function procLike(fakeProc: string): DirCalls & { count: number } {
  const calls = {
    count: 0,
    async mkdir(path: string) {
      calls.count++;
      if (path === fakeProc) throw errno('EEXIST');
      if (path.startsWith(`${fakeProc}/`)) throw errno('ENOENT');
      return mkdir(path);
    },
    async stat(path: string) {
      calls.count++;
      if (path === fakeProc) return { isDirectory: () => true };
      return stat(path);
    },
  };
  return calls;
}

describe('makeDirs', () => {
  it('creates every missing directory of the path, and accepts those that exist', async () => {
    const path = join(base, 'a', 'b', 'c');
    await makeDirs(path);
    expect(statSync(path).isDirectory()).toBe(true);
    await makeDirs(path);
  });

  it('a procfs-like parent: ENOENT at once, in at most two calls per component (no loop)', async () => {
    const fakeProc = join(base, 'proc');
    const calls = procLike(fakeProc);
    const path = join(fakeProc, 'x', 'y');
    await expect(makeDirs(path, undefined, calls)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(calls.count).toBeLessThanOrEqual(2 * path.split('/').length);
  });

  it('a file in the way: ENOTDIR', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, '');
    await expect(makeDirs(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('stops between two calls once the signal aborts, with its reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const slow: DirCalls = {
      async mkdir(path) {
        calls++;
        // The first directory takes long enough for the abort to come meanwhile.
        if (calls === 1) controller.abort(new Error('stop'));
        return mkdir(path);
      },
      stat: (path) => stat(path),
    };
    await expect(makeDirs(join(base, 'stopped', 'x', 'y', 'z'), controller.signal, slow)).rejects.toThrow('stop');
    expect(calls).toBe(1);
  });
});

describe('OutputDir.prepare on a procfs-like directory', () => {
  it('is a usage error naming the directory and ENOENT, not an endless loop', async () => {
    const fakeProc = join(base, 'proc2');
    const dir = new OutputDir(join(fakeProc, 'x'), procLike(fakeProc));
    const error = await dir.prepare().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/--output-dir .*proc2\/x: cannot create it: .*\(ENOENT\)/);
  });
});
