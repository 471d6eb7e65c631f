import { randomBytes } from 'node:crypto';
import { close as closeFd, constants, fstat as fstatFd, open as openFd, type Stats } from 'node:fs';
import { lstat, mkdir, open, readlink, realpath, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { errnoWords } from '../../errno.js';
import { type DirCalls, makeDirs } from './make-dirs.js';
import { UsageError } from '../../errors.js';

/**
 * The directory bodies are saved under (`outputDir`): checked once before any request, then
 * asked for directories inside it. It never lets a file land outside: every directory it makes
 * or reuses is checked to be a real directory (not a symlink someone left there) whose real path
 * lies under the real path of the output directory; files are opened with O_NOFOLLOW and
 * O_EXCL under fresh temp names, then renamed (which replaces a symlink, never writes through it).
 */
export class OutputDir {
  /** The real path of the directory, once {@link prepare} has run. */
  private root = '';
  /** Directories checked (or being checked) so far, by relative path. */
  private readonly ready = new Map<string, Promise<string>>();
  /** Disk work still running (writes, closes, renames, removals): the run ends after it. */
  private busy = 0;
  private onIdle: (() => void) | null = null;
  /**
   * Temp names are this run's random tag and a counter: unique within the run, unlikely to meet
   * another run's, and O_EXCL refuses a name that exists anyway. (A random draw per file cost
   * more than the rest of the naming.)
   */
  private readonly tag = randomBytes(6).toString('hex');
  private seq = 0;

  /**
   * @param path the directory as the user gave it; messages name files under it
   * @param calls the mkdir and stat that create it (tests play a file system's answers)
   */
  constructor(
    readonly path: string,
    private readonly calls?: DirCalls,
  ) {}

  /**
   * Creates the directory if missing and proves it writable by creating and removing a file in
   * it (access(2) would say yes to root on a read-only bind mount's permission bits, and a
   * probe is the truth). Bounded, and stops (rejecting with the signal's reason) once `signal`
   * aborts.
   * @throws UsageError naming the directory and why
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    if (this.root !== '') return;
    const fail = (err: unknown, what: string): UsageError =>
      new UsageError(`--output-dir ${this.path}: ${what}: ${writeErrorWords(err)}`, { cause: err });
    try {
      // Not Node's recursive mkdir, which can loop for ever (see makeDirs).
      await makeDirs(this.path, signal, this.calls);
    } catch (err) {
      if (signal?.aborted === true) throw signal.reason;
      throw fail(err, 'cannot create it');
    }
    let root: string;
    try {
      root = await realpath(this.path);
      if (!(await lstat(root)).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    } catch (err) {
      throw fail(err, 'cannot use it');
    }
    const probe = join(root, `.fetch-many-probe-${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.close();
      await unlink(probe);
    } catch (err) {
      throw fail(err, 'cannot write in it');
    }
    this.root = root;
  }

  /** The path to show for a relative name: under the directory as the user wrote it. */
  shown(relative: string): string {
    return join(this.path, relative);
  }

  /**
   * The absolute path of directory `components` under the output directory, made if missing.
   * @throws Error with an errno `code` (ENOTDIR for a file in the way, ELOOP for a symlink,
   *         EXDEV for a path that resolves outside)
   */
  dir(components: readonly string[]): Promise<string> {
    if (components.length === 0) return Promise.resolve(this.root);
    const key = components.join('/');
    let pending = this.ready.get(key);
    if (pending === undefined) {
      const parent = this.dir(components.slice(0, -1));
      pending = parent.then((dir) => this.makeDir(join(dir, components[components.length - 1]!)));
      // A failure is not cached: the next file retries it (and reports its own error).
      pending.catch(() => this.ready.delete(key));
      this.ready.set(key, pending);
    }
    return pending;
  }

  private async makeDir(path: string): Promise<string> {
    await mkdir(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const stat = await lstat(path);
    if (stat.isSymbolicLink()) throw errno('ELOOP', `${path} is a symbolic link`);
    if (!stat.isDirectory()) throw errno('ENOTDIR', `${path} is not a directory`);
    const real = await realpath(path);
    if (real !== path || !real.startsWith(this.root + sep)) throw errno('EXDEV', `${path} resolves outside`);
    return path;
  }

  /** A temp file in `dir`, opened for writing; never follows a symlink, never reuses a name. */
  async openTemp(dir: string, index: number): Promise<{ fd: number; path: string }> {
    const path = join(dir, `.fetch-many-${index}-${this.tag}-${this.seq++}.tmp`);
    // A plain descriptor, not a FileHandle (which would close itself when collected): BodyFile
    // writes with the callback API and closes it.
    const fd = await new Promise<number>((resolve, reject) =>
      openFd(
        path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o644,
        (err, fd) => (err === null ? resolve(fd) : reject(err)),
      ),
    );
    try {
      await this.checkPlace(fd, path);
    } catch (err) {
      // Created wherever the swapped path led (new, empty: O_EXCL never touches an existing
      // file): removed from where it really is, and never written.
      const actual = (err as { actual?: string }).actual;
      await new Promise<void>((done) => closeFd(fd, () => done()));
      if (actual !== undefined) await unlink(actual).catch(() => undefined);
      throw err;
    }
    return { fd, path };
  }

  /**
   * Checks that the open file `fd` really is `path`. Directories are checked once
   * (see {@link dir}) and `path` opened by name with O_NOFOLLOW, which covers only its last
   * component: a directory swapped for a symlink after its check (by anyone who can write in
   * the output directory meanwhile) would lead the open, and the bytes, out of it. Asked of the
   * descriptor itself — the kernel's name for it, /proc/self/fd/N — and, where there is no such
   * link, of its device and inode against `path`'s with the directory's real path unchanged.
   * Done after the open and again before the rename into place.
   * @throws Error with code EXDEV (and `actual`, where the file really is, when known)
   */
  async checkPlace(fd: number, path: string): Promise<void> {
    let actual: string | null = null;
    try {
      actual = await readlink(`/proc/self/fd/${fd}`);
    } catch {
      // No procfs (another OS, a container without it): the slower check below.
    }
    if (actual !== null) {
      if (actual !== path) throw Object.assign(errno('EXDEV', `${path} is really ${actual}`), { actual });
      return;
    }
    const dir = dirname(path);
    const [real, opened, named] = await Promise.all([
      realpath(dir).catch(() => null),
      new Promise<Stats | null>((done) => fstatFd(fd, (err, st) => done(err === null ? st : null))),
      lstat(path).catch(() => null),
    ]);
    if (real !== dir || opened === null || named === null || opened.dev !== named.dev || opened.ino !== named.ino) {
      throw errno('EXDEV', `${path} is not where it was opened`);
    }
  }

  /** Counts disk work the run must wait for. */
  hold(): void {
    this.busy++;
  }

  release(): void {
    if (--this.busy === 0 && this.onIdle !== null) {
      const fn = this.onIdle;
      this.onIdle = null;
      fn();
    }
  }

  /** Resolves when no disk work is left (temp files of failed bodies removed, renames done). */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.onIdle;
      this.onIdle = () => {
        previous?.();
        resolve();
      };
    });
  }
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Wording for writing under the output directory where the general one would mislead (see
 * {@link errnoWords}): ELOOP and EXDEV are our own refusals of a symlink or a path leaving it.
 */
const WRITE_WORDS: Readonly<Record<string, string>> = {
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOENT: 'no such file or directory',
  EPERM: 'operation not permitted',
  EEXIST: 'already exists',
  ELOOP: 'is a symbolic link',
  EXDEV: 'resolves outside the output directory',
  ENAMETOOLONG: 'file name too long',
};

/** An errno in words, with its code: `no space left on device (ENOSPC)`. */
export function writeErrorWords(err: unknown): string {
  return errnoWords(err, WRITE_WORDS);
}
