import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  constants,
  createReadStream,
  createWriteStream,
  lstatSync,
  openSync,
  readlinkSync,
  statSync,
  type WriteStream,
} from 'node:fs';
import { chmod, open, rename, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';

/**
 * Writing a file the tool produces (the JUnit report today; saved bodies and merged reports
 * tomorrow) without ever destroying what the user pointed at:
 *
 * - a regular file, or a path that does not exist yet: written to a temp file in the same folder,
 *   then renamed over the path (POSIX rename is atomic within a file system, so a reader sees the
 *   old report or the new one, never half of one). An existing file keeps its permission bits;
 * - a symbolic link (a chain of them, or a dangling one): followed, and its final target replaced
 *   the same way in the target's own folder — the link stays a link;
 * - anything else — a FIFO a CI step reads from, a character device (`/dev/null`, a terminal),
 *   a socket — and the process's own descriptors (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
 *   `/proc/<pid>/fd/N`): written directly. Renaming over them would replace the device node or
 *   the FIFO with a regular file (as root, even under /dev), and renaming over a regular file
 *   behind our own stdout would cut it off from the shell's redirection.
 *
 * The content is always first written to a temp file, so a writer can fix up a header once the
 * run is over ({@link ReportFile.commit}'s patches: the JUnit counts, inserted into the root
 * tags). A patch of the same length is written in place; one that changes the length (an
 * insertion) has the content copied once more, through a second temp file beside the first, so
 * the report needs no padding kept for text known only at the end. For a direct destination
 * the temp file lives in the OS temp folder and is copied into the destination at commit, then
 * removed. Memory stays bounded either way: content streams to disk as it is written.
 *
 * Everything here resolves the destination synchronously (a few `lstat`s, once, at open), so a
 * reporter can be created synchronously; the data itself is written asynchronously.
 */
export interface Destination {
  /**
   * `replace`: temp file + rename in `path`'s folder. `direct`: open `path` and write into it.
   * `stdout` / `stderr`: our own descriptor 1 or 2, written through `process.stdout`/`stderr`
   * (opening /proc/self/fd/1 fails with ENXIO when it is a socket, as a spawned child's is).
   */
  kind: 'replace' | 'direct' | 'stdout' | 'stderr';
  /** Where the content lands: the symlink chain's final target for `replace`, else the path as given. */
  path: string;
}

/** Bytes to replace in the temp file before it is put in place. */
export interface Patch {
  /** Byte offset from the start of the content. */
  offset: number;
  text: string;
  /** Bytes of the content replaced at `offset` (0: an insertion). @default the byte length of `text` */
  length?: number;
}

export interface ReportFile {
  readonly destination: Destination;
  /** Write the content here (e.g. through an Output). Do not end it: {@link commit} does. */
  readonly stream: WriteStream;
  /** Ends the stream, applies `patches`, and puts the content in place. Rejects on any I/O error (the temp file is then removed). */
  commit(patches?: readonly Patch[]): Promise<void>;
  /** Ends the stream and removes the temp file; the destination is left untouched. Never rejects. */
  discard(): Promise<void>;
}

/** Links to our own open descriptors: write into them, never rename over what they point at. */
const OWN_DESCRIPTOR = /^\/(?:dev\/(?:stdout|stderr|stdin|fd\/(\d+))|proc\/(?:self|thread-self|(\d+))\/fd\/(\d+))$/;
/** Linux's own limit on symlinks followed in one path resolution (MAXSYMLINKS). */
const MAX_LINKS = 40;

/**
 * Where writing `path` must go and how (see the module comment). Throws an `Error` with a
 * `code` (`EISDIR`, `ELOOP`, or what `lstat` said) when the path cannot be a file.
 */
export function resolveDestination(path: string): Destination {
  let current = resolve(path);
  for (let hops = 0; ; hops++) {
    const own = OWN_DESCRIPTOR.exec(current);
    if (own !== null) return ownDescriptor(current, own);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'replace', path: current };
      throw err;
    }
    if (st.isSymbolicLink()) {
      if (hops >= MAX_LINKS) throw codeError('ELOOP', `${path}: too many levels of symbolic links`);
      const link = readlinkSync(current);
      current = isAbsolute(link) ? link : resolve(dirname(current), link);
      continue;
    }
    if (st.isFile()) return { kind: 'replace', path: current };
    if (st.isDirectory()) throw codeError('EISDIR', `${path}: is a directory`);
    return { kind: 'direct', path: current };
  }
}

function ownDescriptor(path: string, m: RegExpExecArray): Destination {
  const pid = m[2];
  if (pid !== undefined && Number(pid) !== process.pid) return { kind: 'direct', path };
  const fd = path.endsWith('/stdout') ? 1 : path.endsWith('/stderr') ? 2 : Number(m[1] ?? m[3]);
  if (fd === 1) return { kind: 'stdout', path };
  if (fd === 2) return { kind: 'stderr', path };
  return { kind: 'direct', path };
}

export interface ReportFileOptions {
  /**
   * The run was told to stop (the CLI's first SIGINT/SIGTERM): a FIFO destination that has no
   * reader is then not waited for — {@link ReportFile.commit} rejects with ENXIO.
   */
  signal?: AbortSignal;
}

/** Opens a report file for writing (see the module comment). Errors opening the temp file surface on `stream` and at commit. */
export function openReportFile(path: string, options: ReportFileOptions = {}): ReportFile {
  const destination = resolveDestination(path);
  const folder = destination.kind === 'replace' ? dirname(destination.path) : tmpdir();
  // The name signals.ts looks for when a second signal leaves no time to clean up.
  const tempName = (): string =>
    join(folder, `.${basename(destination.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let tmp = tempName();
  // 'wx': never follow or reuse something already at the temp name. Opened synchronously so the
  // temp file exists before this returns: a second signal's cleanup can then always find it (an
  // asynchronous open could create it just after the cleanup looked). If the open fails, the
  // stream's own open fails the same way and reports it as documented above.
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx');
  } catch {
    fd = undefined;
  }
  const stream = fd === undefined ? createWriteStream(tmp, { flags: 'wx' }) : createWriteStream(tmp, { fd });
  let streamError: Error | null = null;
  stream.on('error', (err) => {
    streamError ??= err;
  });
  let settled: Promise<void> | null = null;

  const finish = (): Promise<void> =>
    new Promise<void>((done) => {
      if (stream.closed || stream.destroyed) done();
      else stream.end(() => done());
    }).then(() => new Promise<void>((done) => (stream.closed ? done() : stream.once('close', () => done()))));

  const removeTmp = (): Promise<void> => unlink(tmp).catch(() => undefined);

  return {
    destination,
    stream,
    commit(patches = []) {
      settled ??= (async () => {
        try {
          await finish();
          if (streamError !== null) throw streamError;
          if (patches.some((p) => p.length !== undefined && p.length !== Buffer.byteLength(p.text))) {
            const rewritten = tempName();
            try {
              await copyPatched(tmp, rewritten, patches);
            } catch (err) {
              await unlink(rewritten).catch(() => undefined);
              throw err;
            }
            await removeTmp();
            tmp = rewritten;
          } else if (patches.length > 0) {
            await applyPatches(tmp, patches);
          }
          if (destination.kind === 'replace') {
            await keepMode(tmp, destination.path);
            await rename(tmp, destination.path);
          } else if (destination.kind === 'direct') {
            await copyToDirect(tmp, destination.path, options.signal);
            await removeTmp();
          } else {
            await copyInto(tmp, destination.kind === 'stdout' ? process.stdout : process.stderr);
            await removeTmp();
          }
        } catch (err) {
          await removeTmp();
          throw err;
        }
      })();
      return settled;
    },
    discard() {
      settled ??= finish().then(removeTmp);
      return settled.catch(() => undefined);
    },
  };
}

/** Writes `content` to `path` the safe way, in one call. */
export async function writeReportFile(path: string, content: string | Uint8Array): Promise<void> {
  const file = openReportFile(path);
  file.stream.write(content);
  await file.commit();
}

/** How often a FIFO destination is tried again while it has no reader. */
const FIFO_RETRY_MS = 50;

/**
 * Copies the finished report into a direct destination. A FIFO is opened without blocking and
 * written as a non-blocking pipe on the event loop: opened or written like a file, the open
 * waits for a reader, and each write for room, in libuv's thread pool — and a process cannot
 * exit while a thread there is stuck, not even on a second signal. Without a reader
 * yet, it tries again every {@link FIFO_RETRY_MS} ms until one comes or `signal` aborts.
 */
async function copyToDirect(tmp: string, path: string, signal: AbortSignal | undefined): Promise<void> {
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    // Written the usual way, which says why it cannot be.
  }
  if (!fifo) {
    await pipeline(createReadStream(tmp), createWriteStream(path, { flags: 'w' }));
    return;
  }
  const fd = await openFifoWriter(path, signal);
  await pipeline(createReadStream(tmp), new Socket({ fd, readable: false, writable: true }));
}

async function openFifoWriter(path: string, signal: AbortSignal | undefined): Promise<number> {
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENXIO') throw err;
    }
    if (signal?.aborted === true) throw codeError('ENXIO', `${path}: no process reads the FIFO`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, FIFO_RETRY_MS);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** Copies a file into a stream we do not own (so it is not ended), minding backpressure. */
async function copyInto(file: string, stream: NodeJS.WritableStream): Promise<void> {
  for await (const chunk of createReadStream(file)) {
    if (!stream.write(chunk as Buffer)) await once(stream, 'drain');
  }
}

/**
 * Copies `from` into a new file `to` ('wx': never an existing one) with `patches` applied, in
 * bounded memory: the stretches between patches are streamed, each patch's text written in
 * their place. Patches must not overlap.
 */
async function copyPatched(from: string, to: string, patches: readonly Patch[]): Promise<void> {
  const sorted = [...patches].sort((a, b) => a.offset - b.offset);
  const out = createWriteStream(to, { flags: 'wx' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  const write = async (chunk: string | Buffer): Promise<void> => {
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  const copyRange = async (start: number, end?: number): Promise<void> => {
    if (end !== undefined && end <= start) return;
    for await (const chunk of createReadStream(from, end === undefined ? { start } : { start, end: end - 1 })) {
      await write(chunk as Buffer);
    }
  };
  let at = 0;
  for (const p of sorted) {
    await copyRange(at, p.offset);
    await write(p.text);
    at = p.offset + (p.length ?? Buffer.byteLength(p.text));
  }
  await copyRange(at);
  const closed = once(out, 'close');
  out.end();
  await Promise.race([closed, failed]);
}

async function applyPatches(tmp: string, patches: readonly Patch[]): Promise<void> {
  const handle = await open(tmp, 'r+');
  try {
    for (const p of patches) await handle.write(p.text, p.offset, 'utf8');
  } finally {
    await handle.close();
  }
}

/** A replaced file keeps its permission bits (a report someone made group-readable stays so). */
async function keepMode(tmp: string, target: string): Promise<void> {
  let mode: number;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch {
    return; // a new file: the umask decides, as for any file we create
  }
  await chmod(tmp, mode);
}

function codeError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}
