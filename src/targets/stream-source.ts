import { documentItems, parseJsonDocument } from './json-document.js';
import { locateJsonError } from './json-position.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import type { SourceItem } from './source-item.js';

/** A source ready to be read, plus a way to release it if it never is. */
export interface OpenedSource {
  batches: Iterable<SourceItem[]> | AsyncIterable<SourceItem[]>;
  close(): void;
}

type ChunkIterator = AsyncIterator<string | Buffer | Uint8Array>;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Opens stdin or a non-`.json` file. The format is decided by the first non-blank character:
 * - `[` — one JSON array, read whole;
 * - `{` or `"` — JSON lines, one object (or string) per line, streamed; but when the first line
 *   does not parse on its own, or is a `{"targets": …}` document, the whole input is read as one
 *   document (`{"defaults": …, "targets": […]}` pretty-printed);
 * - anything else — one target per line, streamed; blank lines and `#` comments skipped.
 *
 * Everything that can be a usage error (malformed whole documents) is found before this returns:
 * it reads up to the first non-blank character (and, for `{`, the first line) now. Line-oriented
 * formats are then yielded batch by batch as chunks arrive, so requests start before input ends.
 */
export async function openStream(stream: NodeJS.ReadableStream, label: string): Promise<OpenedSource> {
  const iterator = stream[Symbol.asyncIterator]() as ChunkIterator;
  const close = (): void => {
    iterator.return?.().catch(() => {});
  };
  try {
    const pending: Buffer[] = [];
    const first = await findFirstNonBlank(iterator, pending);
    if (first === null) {
      close();
      return { batches: [], close };
    }
    if (first.byte === 0x5b /* [ */) {
      const items = documentItems(parseJsonDocument(await readAll(iterator, pending), label), label);
      return { batches: [items], close };
    }
    if (first.byte === 0x7b /* { */ || first.byte === 0x22 /* " */) {
      const line = await readFirstLine(iterator, pending, first.offset);
      if (isWholeDocument(line)) {
        const items = documentItems(parseJsonDocument(await readAll(iterator, pending), label), label);
        return { batches: [items], close };
      }
      return { batches: streamItems(iterator, pending, true, label), close };
    }
    return { batches: streamItems(iterator, pending, false, label), close };
  } catch (err) {
    close();
    throw err;
  }
}

/** A first line that is not JSON alone, or that is a `{"targets": …}` document on one line. */
function isWholeDocument(line: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return true;
  }
  return typeof value === 'object' && value !== null && ('targets' in value || 'defaults' in value);
}

async function next(iterator: ChunkIterator): Promise<Buffer | null> {
  const result = await iterator.next();
  if (result.done === true) return null;
  const value = result.value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Reads chunks into `pending` until a non-blank byte; returns it and its offset across `pending`,
 * or null at end of input. A UTF-8 BOM at the very start counts as blank.
 */
async function findFirstNonBlank(
  iterator: ChunkIterator,
  pending: Buffer[],
): Promise<{ byte: number; offset: number } | null> {
  let offset = 0;
  for (;;) {
    const chunk = await next(iterator);
    if (chunk === null) return null;
    pending.push(chunk);
    for (let i = 0; i < chunk.length; i++, offset++) {
      const byte = chunk[i] ?? 0;
      if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
      if (offset < 3 && byte === UTF8_BOM[offset]) continue;
      return { byte, offset };
    }
  }
}

/** Reads until the line holding `from` is complete; returns that line, decoded. */
async function readFirstLine(iterator: ChunkIterator, pending: Buffer[], from: number): Promise<string> {
  let joined = Buffer.concat(pending);
  let searchFrom = from;
  for (;;) {
    const nl = joined.indexOf(0x0a, searchFrom);
    if (nl !== -1) return joined.toString('utf8', from, nl);
    const chunk = await next(iterator);
    if (chunk === null) return joined.toString('utf8', from);
    searchFrom = joined.length;
    pending.push(chunk);
    joined = Buffer.concat([joined, chunk]);
  }
}

async function readAll(iterator: ChunkIterator, pending: Buffer[]): Promise<string> {
  try {
    for (let chunk = await next(iterator); chunk !== null; chunk = await next(iterator)) pending.push(chunk);
  } finally {
    await iterator.return?.();
  }
  return Buffer.concat(pending).toString('utf8');
}

async function* streamItems(
  iterator: ChunkIterator,
  pending: Buffer[],
  json: boolean,
  label: string,
): AsyncGenerator<SourceItem[]> {
  let out: SourceItem[] = [];
  const splitter = new LineSplitter({
    line(text, lineNo) {
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.charCodeAt(0) === 0x23 /* # */) return;
      if (!json) {
        out.push({ input: trimmed });
        return;
      }
      try {
        out.push({ input: JSON.parse(trimmed) as never });
      } catch {
        const where = locateJsonError(trimmed);
        const what = where === null ? 'invalid JSON' : `invalid JSON at column ${where.column}: ${where.message}`;
        out.push({ raw: trimmed, invalid: `${label} line ${lineNo}: ${what}` });
      }
    },
    overlong(lineNo, head) {
      out.push({ raw: `${head}…`, invalid: `${label} line ${lineNo} longer than ${MAX_LINE_BYTES} bytes` });
    },
  });
  try {
    for (const chunk of pending.splice(0)) splitter.push(chunk);
    for (;;) {
      if (out.length > 0) {
        const batch = out;
        out = [];
        yield batch;
      }
      const chunk = await next(iterator);
      if (chunk === null) break;
      splitter.push(chunk);
    }
    splitter.end();
    if (out.length > 0) yield out;
  } finally {
    await iterator.return?.();
  }
}
