import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { openReportFile } from '../report/safe-write.js';
import { LineSplitter } from '../targets/read/lines.js';

/**
 * The file format `--state` and `--cache` share: NDJSON, a header line
 * `{"format":"fetch-many-<kind>","version":1,"written":…}` so that another file given by mistake
 * is refused, then one JSON object per target whose `key` is the target identity's 64-bit key in
 * 16 hex digits (identity.ts).
 */
export interface KeyedFileKind<E> {
  /** `state`, `cache`: the header's format is `fetch-many-<kind>`, and messages say "<kind> file". */
  kind: string;
  version: number;
  /** A longer line is refused, so a wrong file cannot make the reader hold it whole. */
  maxLineBytes: number;
  /** The rest of an entry line, its `key` already checked; throws with the reason. */
  entry(v: Record<string, unknown>): E;
  /** The error for a file that is not such a file; the message names file and line. */
  error(file: string, line: number, reason: string): Error;
}

const KEY = /^[0-9a-f]{16}$/;

/**
 * Reads the file whole and strictly, before any request: a missing file is null (a first run,
 * an empty cache); anything that is not such a file throws `kind.error` naming file and line.
 * @throws the I/O error of a file that exists but cannot be read
 */
export async function readKeyedFile<E>(path: string, kind: KeyedFileKind<E>): Promise<Map<string, E> | null> {
  const entries = new Map<string, E>();
  let bad: Error | null = null;
  let sawHeader = false;
  const splitter = new LineSplitter(
    {
      line(text, line) {
        if (bad !== null || text.trim() === '') return;
        try {
          if (sawHeader) {
            const v = jsonObject(text);
            if (typeof v.key !== 'string' || !KEY.test(v.key)) throw new Error('"key" must be 16 hex digits');
            entries.set(v.key, kind.entry(v));
          } else {
            header(text, kind);
            sawHeader = true;
          }
        } catch (err) {
          bad = kind.error(path, line, (err as Error).message);
        }
      },
      overlong(line) {
        bad ??= kind.error(path, line, `longer than ${kind.maxLineBytes} bytes`);
      },
    },
    kind.maxLineBytes,
  );
  try {
    for await (const chunk of createReadStream(path)) {
      splitter.push(chunk as Buffer);
      if (bad !== null) throw bad;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  splitter.end();
  if (bad !== null) throw bad;
  if (!sawHeader) throw kind.error(path, 1, `empty: not a fetch-many ${kind.kind} file`);
  return entries;
}

/**
 * Writes the header and then each line the entries give (each ending in a newline) to a
 * temporary file in the same folder, renamed over `path` at the end: a reader — or the next run,
 * after a crash or a signal mid-write — sees the old file or the new one, never half of one.
 */
export async function writeKeyedFile(
  path: string,
  kind: Pick<KeyedFileKind<unknown>, 'kind' | 'version'>,
  lines: Iterable<string>,
  now: number = Date.now(),
): Promise<void> {
  const file = openReportFile(path);
  const stream = file.stream;
  const write = async (text: string): Promise<void> => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  try {
    const head = { format: `fetch-many-${kind.kind}`, version: kind.version, written: new Date(now).toISOString() };
    await write(`${JSON.stringify(head)}\n`);
    let buf = '';
    for (const line of lines) {
      buf += line;
      if (buf.length >= 1 << 16) {
        await write(buf);
        buf = '';
      }
    }
    if (buf !== '') await write(buf);
  } catch (err) {
    await file.discard();
    throw err;
  }
  await file.commit();
}

function header(text: string, kind: KeyedFileKind<unknown>): void {
  const format = `fetch-many-${kind.kind}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`not a fetch-many ${kind.kind} file (the first line is not JSON)`);
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || v.format !== format) {
    throw new Error(`not a fetch-many ${kind.kind} file (no "format":"${format}" header)`);
  }
  if (v.version !== kind.version) {
    throw new Error(`${kind.kind} file version ${JSON.stringify(v.version)}: this fetch-many reads ${kind.version}`);
  }
}

function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}
