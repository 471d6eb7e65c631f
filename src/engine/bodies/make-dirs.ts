import { mkdir, stat } from 'node:fs/promises';
import { parse, resolve, sep } from 'node:path';

/** The two calls {@link makeDirs} makes: tests hand in their own to play a file system's answers. */
export interface DirCalls {
  /** mkdir(2) of one directory (never recursive); rejects with an errno `code`. */
  mkdir(path: string): Promise<unknown>;
  /** stat(2), following symlinks (as `mkdir -p` does for the directories on the way). */
  stat(path: string): Promise<{ isDirectory(): boolean }>;
}

const realCalls: DirCalls = { mkdir: (path) => mkdir(path), stat: (path) => stat(path) };

/**
 * `mkdir -p path`, one component at a time from the root: at most one mkdir and one stat per
 * component, so it always ends, and it stops between any two calls once `signal` aborts.
 *
 * Node's own `mkdir(path, { recursive: true })` can loop for ever: it reads ENOENT as
 * "the parent is missing", makes the parent (EEXIST: there already) and retries the child. On
 * procfs the child's mkdir says ENOENT whatever the parent (proc's lookup answers ENOENT for a
 * name it does not have rather than a negative dentry), so `--output-dir /proc/x` went
 * `mkdir("/proc/x") = ENOENT, mkdir("/proc") = EEXIST, stat("/proc") = dir` some thousand times a
 * second, without end, on the thread pool. Here an ENOENT from a directory whose parent was
 * just seen to be a directory is the answer, and is returned.
 * @throws Error with an errno `code` (ENOTDIR when a component is not a directory), or the
 *         signal's reason once it aborted
 */
export async function makeDirs(path: string, signal?: AbortSignal, calls: DirCalls = realCalls): Promise<void> {
  const absolute = resolve(path);
  const root = parse(absolute).root;
  const components = absolute
    .slice(root.length)
    .split(sep)
    .filter((c) => c !== '');
  let current = root;
  for (const component of components) {
    signal?.throwIfAborted();
    current = current === root ? root + component : current + sep + component;
    try {
      await calls.mkdir(current);
    } catch (err) {
      // The parent is a directory (checked one step ago, or the root): ENOENT is final.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
      signal?.throwIfAborted();
      let isDirectory: boolean;
      try {
        isDirectory = (await calls.stat(current)).isDirectory();
      } catch {
        throw err;
      }
      // mkdir -p says EEXIST for a file in the way; "not a directory" says which problem it is.
      if (!isDirectory)
        throw Object.assign(new Error(`${current} is not a directory`), { code: 'ENOTDIR', path: current });
    }
  }
  signal?.throwIfAborted();
}
