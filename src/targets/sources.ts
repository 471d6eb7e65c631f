import { fstatSync, statSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { cannotRead } from './read-error.js';
import type { SourceItem } from './source-item.js';
import { openStream, readDocumentStream, type OpenedSource } from './stream-source.js';

export type { SourceItem } from './source-item.js';
export { cannotRead, InputReadError } from './read-error.js';

/** Where targets come from: one command-line argument, a file, or stdin. */
export type SourceSpec = { kind: 'arg'; value: string } | { kind: 'file'; path: string } | { kind: 'stdin' };

const FILE_EXTENSIONS = /\.(?:json|jsonl|ndjson|txt|list)$/i;

/**
 * Decides what a command-line argument is, in this order:
 * 1. `-` is stdin;
 * 2. anything containing `://` is a URL;
 * 3. a name ending in `.json`, `.jsonl`, `.ndjson`, `.txt` or `.list` is a file (so a missing
 *    `urls.json` is reported as a missing file, not fetched as a host);
 * 4. the name of anything that exists and is not a directory is a file (this includes pipes such
 *    as `<(generate-urls)`);
 * 5. anything else is a shorthand URL (`example.com/path`).
 */
export function classifyArgument(arg: string): SourceSpec {
  if (arg === '-') return { kind: 'stdin' };
  if (arg.includes('://')) return { kind: 'arg', value: arg };
  if (FILE_EXTENSIONS.test(arg)) return { kind: 'file', path: arg };
  try {
    // Anything that exists is meant as a file: a directory then fails with "is a directory",
    // which says more than fetching it as a host name would (`fetch-many /tmp`). A host that
    // collides with a local name can always be written as http://name.
    statSync(arg);
    return { kind: 'file', path: arg };
  } catch {
    // Not a file: a host name.
  }
  return { kind: 'arg', value: arg };
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
): Promise<AsyncIterable<SourceItem[]>> {
  if (specs.filter((spec) => spec.kind === 'stdin').length > 1) {
    throw new UsageError('stdin (-) can be given only once');
  }
  const opened: OpenedSource[] = [];
  try {
    for (const spec of specs) {
      if (spec.kind === 'arg') opened.push({ batches: [[{ input: spec.value }]], close() {} });
      else if (spec.kind === 'stdin') opened.push(await openStdin(stdin ?? process.stdin));
      else opened.push(await openFile(spec.path));
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
): Promise<AsyncIterable<SourceItem>> {
  const batches = await openSourceBatches(specs, stdin);
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
async function openStdin(stream: NodeJS.ReadableStream): Promise<OpenedSource> {
  if (stream === process.stdin) {
    let directory = false;
    try {
      directory = fstatSync(0).isDirectory();
    } catch {
      // No fd 0 to look at (closed): the stream itself says what it can.
    }
    if (directory) throw cannotRead('stdin', Object.assign(new Error('EISDIR'), { code: 'EISDIR' }));
  }
  return openStream(stream, 'stdin');
}

/**
 * A `.json` file is one document, read whole now (bounded, see `MAX_DOCUMENT_BYTES`); any other
 * file is opened as a stream whose format is decided by its first character.
 */
async function openFile(path: string): Promise<OpenedSource> {
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
    const items = await readDocumentStream(stream, path);
    return { batches: [items], close() {} };
  }
  return openStream(stream, path);
}
