import { closeSync, constants, fstatSync, openSync, readdirSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { Socket } from 'node:net';
import { UsageError } from '../../errors.js';
import { escapeControls } from '../../controls.js';
import { closest } from '../../describe.js';
import { cannotRead } from './read-error.js';
import type { SourceItem } from './source-item.js';
import { openStream, readDocumentStream, type OpenedSource } from './stream-source.js';
import type { EnvLookup } from '../env.js';

export type { SourceItem } from './source-item.js';
export { cannotRead, InputReadError } from './read-error.js';

/**
 * Where targets come from: one command-line argument, a file, stdin — or items an input already
 * reads itself (`items`: sitemaps, links in files, a crawl; see src/inputs), handed over as they come.
 */
export type SourceSpec =
  | { kind: 'arg'; value: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  | { kind: 'items'; batches: AsyncIterable<SourceItem[]> };

// Names that say "a file of targets". `.csv` too: nobody fetches a host named `x.csv`.
const FILE_EXTENSIONS = /\.(?:json|jsonl|ndjson|txt|list|csv)$/i;
// `host:port` or `[v6]:port` at the start, then a path or nothing: a target, whatever it ends in.
const HOST_PORT = /^(?:[^/\\:\s]+|\[[0-9a-f:.]+\]):\d{1,5}(?:[/?#]|$)/i;
// A path a shell user writes: absolute, relative to here or home, or with a Windows separator.
const PATH_START = /^(?:\/|\.{1,2}\/|~)|\\/;
// `first/…` where `first` cannot be a host name without a port: no dot, and not localhost.
const DIR_SEGMENT = /^(?!localhost\/)[^./]+\//i;

/**
 * Decides what a command-line argument is, in this order:
 * 1. `-` is stdin;
 * 2. anything containing `://` is a URL;
 * 3. the name of anything that exists is a file (this includes pipes such as `<(generate-urls)`;
 *    a directory then fails as "is a directory", which says more than fetching it as a host);
 * 4. `host:port…` is a target, whatever it ends in (`127.0.0.1:8080/robots.txt`);
 * 5. a name that looks like a file — a path (`./x`, `/x`, `~/x`, `dir/x` where `dir` has no dot
 *    and is not localhost) or a target-file extension (.json, .jsonl, .ndjson, .txt, .list, .csv)
 *    — but does not exist is a usage error, `no such file`, rather than a request to a host
 *    named like a file;
 * 6. a bare word — no dot, colon or slash (`urls`, `help`) — that does not exist is a usage error
 *    too: it is far more often a mistyped file name or a subcommand than a host on the
 *    local network, and as a host it would only fail later as `dns`. The message suggests a file
 *    of a close name here, or the flag for `help`/`version`, and says how to fetch such a host
 *    (http://name). `localhost` is the exception: it is a URL everyone types bare;
 * 7. anything else is a shorthand URL (`example.com/path`). A host that collides with a local
 *    name can always be written as http://name.
 * @throws UsageError for rules 5 and 6.
 */
export function classifyArgument(arg: string): SourceSpec {
  if (arg === '-') return { kind: 'stdin' };
  if (arg.includes('://')) return { kind: 'arg', value: arg };
  try {
    statSync(arg);
    return { kind: 'file', path: arg };
  } catch {
    // Does not exist (or cannot be looked at): decided by its shape.
  }
  if (HOST_PORT.test(arg)) return { kind: 'arg', value: arg };
  if (PATH_START.test(arg) || DIR_SEGMENT.test(arg) || FILE_EXTENSIONS.test(arg)) {
    throw new UsageError(`no such file: ${escapeControls(arg)} (for a URL, write http://…)`);
  }
  if (BARE_WORD.test(arg) && arg.toLowerCase() !== 'localhost') throw new UsageError(bareWordMessage(arg));
  return { kind: 'arg', value: arg };
}

/** No dot, colon or slash (nor `[`, `?`, `#`, `@`): a word, not a host name with a domain. */
const BARE_WORD = /^[^.:/\\[?#@]+$/;

/** Words that are flags: `fetch-many x help` means --help, not a host named help. */
const FLAG_WORDS: Readonly<Record<string, string>> = { help: '--help', version: '--version' };

function bareWordMessage(arg: string): string {
  const shown = escapeControls(arg);
  const flag = FLAG_WORDS[arg.toLowerCase()];
  const hint = flag ?? similarFile(arg);
  const suggestion = hint === null ? '' : `; did you mean ${escapeControls(hint)}?`;
  return `'${shown}' is neither a file nor a URL${suggestion} (for a host of that name, write http://${shown})`;
}

/** A file here whose name is `arg` plus an extension, or one edit away from it. */
function similarFile(arg: string): string | null {
  let names: string[];
  try {
    // One directory listing, on a usage error only; capped, so a huge directory costs little.
    names = readdirSync('.').slice(0, 10_000);
  } catch {
    return null;
  }
  const lower = arg.toLowerCase();
  const extended = names.find((name) => name.toLowerCase().startsWith(`${lower}.`));
  return extended ?? closest(arg, new Set(names));
}

/**
 * Opens every source, in order, and checks everything that is a usage error before any request:
 * missing, unreadable or directory files; malformed or wrongly shaped JSON documents (`.json`
 * files are read and parsed whole now; stdin and other files are read up to what decides their
 * format). Returns batches of raw items: line-oriented sources yield one batch per chunk read,
 * as soon as it is read.
 * @throws UsageError
 */
export async function openSourceBatches(
  specs: readonly SourceSpec[],
  stdin?: NodeJS.ReadableStream,
  /** Resolve `${env:…}` in files and stdin (not in command-line arguments: the shell has). */
  lookup?: EnvLookup,
): Promise<AsyncIterable<SourceItem[]>> {
  if (specs.filter((spec) => spec.kind === 'stdin').length > 1) {
    throw new UsageError('stdin (-) can be given only once');
  }
  const opened: OpenedSource[] = [];
  try {
    for (const spec of specs) {
      if (spec.kind === 'arg') opened.push({ batches: [[{ input: spec.value }]], close() {} });
      else if (spec.kind === 'stdin') opened.push(await openStdin(stdin ?? process.stdin, lookup));
      else if (spec.kind === 'items') {
        const batches = spec.batches;
        opened.push({
          batches,
          close: () =>
            void batches[Symbol.asyncIterator]()
              .return?.()
              ?.catch(() => {}),
        });
      } else opened.push(await openFile(spec.path, lookup));
    }
  } catch (err) {
    for (const source of opened) source.close();
    throw err;
  }
  return concat(opened);
}

/** {@link openSourceBatches}, one item at a time. */
export async function openSources(
  specs: readonly SourceSpec[],
  stdin?: NodeJS.ReadableStream,
  lookup?: EnvLookup,
): Promise<AsyncIterable<SourceItem>> {
  const batches = await openSourceBatches(specs, stdin, lookup);
  return (async function* () {
    for await (const batch of batches) yield* batch;
  })();
}

async function* concat(sources: OpenedSource[]): AsyncGenerator<SourceItem[]> {
  let current = 0;
  try {
    for (; current < sources.length; current++) {
      const source = sources[current];
      if (source !== undefined) yield* source.batches;
    }
  } finally {
    // Stopped early: release the sources never reached (the current one closed itself).
    for (let later = current + 1; later < sources.length; later++) sources[later]?.close();
  }
}

/**
 * Node gives a directory on fd 0 (`fetch-many < /`) as an empty stream, which read as "no
 * targets"; name it instead.
 */
async function openStdin(stream: NodeJS.ReadableStream, lookup: EnvLookup | undefined): Promise<OpenedSource> {
  if (stream === process.stdin) {
    let directory = false;
    try {
      directory = fstatSync(0).isDirectory();
    } catch {
      // No fd 0 to look at (closed): the stream itself says what it can.
    }
    if (directory) throw cannotRead('stdin', Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
  }
  return openStream(stream, 'stdin', undefined, lookup);
}

/**
 * A `.json` file is one document, read whole now (bounded, see `MAX_DOCUMENT_BYTES`); any other
 * file is opened as a stream whose format is decided by its first character.
 */
async function openFile(path: string, lookup: EnvLookup | undefined): Promise<OpenedSource> {
  const pipe = openPipe(path);
  if (pipe !== null) {
    // A pipe (`<(cmd)`) has no lines a reader could open, so its targets carry no `source`.
    if (/\.json$/i.test(path))
      return { batches: [await readDocumentStream(pipe, path, undefined, lookup)], close() {} };
    return openStream(pipe, path, undefined, lookup);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    // open(2) succeeds on a directory; reading it would fail later, mid-run.
    if ((await handle.stat()).isDirectory()) throw new UsageError(`cannot read ${path}: is a directory`);
  } catch (err) {
    await handle.close();
    throw err instanceof UsageError ? err : cannotRead(path, err);
  }
  const stream = handle.createReadStream({ highWaterMark: 256 * 1024 });
  if (/\.json$/i.test(path)) {
    const items = await readDocumentStream(stream, path, path, lookup);
    return { batches: [items], close() {} };
  }
  return openStream(stream, path, path, lookup);
}

/**
 * A FIFO (`mkfifo`, or a shell's `<(generate-urls)`) read as a non-blocking pipe on the event
 * loop, or null for anything else. Read like a regular file, each read(2) would wait in libuv's
 * thread pool for the producer — and a process cannot exit while one does (Node joins those
 * threads on the way out), so one Ctrl-C would print the summary and then wait for a quiet
 * producer. Opened with O_NONBLOCK the open itself does not wait for a writer either;
 * the pipe then sees the end of input only after a writer has come and gone (Linux polls a FIFO
 * as hung up only once a writer has closed it), so a producer that starts later is still read.
 * @throws UsageError when the FIFO cannot be opened
 */
function openPipe(path: string): Socket | null {
  try {
    if (!statSync(path).isFIFO()) return null;
  } catch {
    return null; // opened the usual way, which says why it cannot be
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    // Swapped for something else since the stat: read it the usual way.
    if (!fstatSync(fd).isFIFO()) {
      closeSync(fd);
      return null;
    }
    return new Socket({ fd, readable: true, writable: false });
  } catch (err) {
    closeSync(fd);
    throw cannotRead(path, err);
  }
}
