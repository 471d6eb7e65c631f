import { deepPreview, tooDeep, tooDeepMessage } from '../depth.js';
import {
  documentItems,
  documentTooLarge,
  MAX_DOCUMENT_BYTES,
  parseJsonDocument,
  type TextOrigin,
} from './json-document.js';
import { locateJsonError } from './json-position.js';
import { targetLines } from './json-target-lines.js';
import { LineSplitter, MAX_LINE_BYTES } from './lines.js';
import { cannotRead, InputReadError } from './read-error.js';
import type { SourceItem } from './source-item.js';
import { type EnvLookup, jsonMayReferToEnv } from '../env.js';
import { resolveItem } from './json-document.js';

/** A source ready to be read, plus a way to release it if it never is. */
export interface OpenedSource {
  batches: Iterable<SourceItem[]> | AsyncIterable<SourceItem[]>;
  close(): void;
}

type ChunkIterator = AsyncIterator<string | Buffer | Uint8Array>;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

/**
 * Opens stdin or a non-`.json` file. The format is decided by the first non-blank character:
 * - `[` — one JSON array, read whole (at most {@link MAX_DOCUMENT_BYTES});
 * - `{` or `"` — JSON lines, one object (or string) per line, streamed; a line that is not JSON,
 *   the first included, is one invalid item. Except that when the first line is an unfinished
 *   JSON value (`{`, `{"targets": [`) or a `{"targets": …}` object, the whole input is read as
 *   one document (`{"defaults": …, "targets": […]}`, pretty-printed or not);
 * - anything else — one target per line, streamed; blank lines and `#` comments skipped.
 *
 * Everything that can be a usage error (malformed whole documents, an input that cannot be read
 * at all) is found before this returns: it reads up to the first non-blank character (and, for
 * `{`, the first line, at most {@link MAX_LINE_BYTES}) now. Line-oriented formats are then yielded
 * batch by batch as chunks arrive, so requests start before input ends. Memory stays bounded by
 * one line plus one chunk, whatever the input; a read error after this returns ends the batches
 * with an {@link InputReadError}.
 * @throws UsageError
 */
export async function openStream(
  stream: NodeJS.ReadableStream,
  label: string,
  /** The file's name, for each item's `source` (file and line); undefined for stdin. */
  file?: string,
  lookup?: EnvLookup,
): Promise<OpenedSource> {
  const iterator = stream[Symbol.asyncIterator]() as ChunkIterator;
  const close = (): void => {
    iterator.return?.().catch(() => {});
  };
  try {
    const start = await findFirstNonBlank(iterator, label);
    if (start === null) {
      close();
      return { batches: [], close };
    }
    const { pending, origin } = start;
    const first = pending[0]?.[0];
    if (first === 0x5b /* [ */) {
      return { batches: [await readDocument(iterator, pending, label, origin, file, lookup)], close };
    }
    if (first === 0x7b /* { */ || first === 0x22 /* " */) {
      if (startsDocument(await readFirstLine(iterator, pending, label))) {
        return { batches: [await readDocument(iterator, pending, label, origin, file, lookup)], close };
      }
      return { batches: streamItems(iterator, pending, true, label, origin.lines + 1, file, lookup), close };
    }
    return { batches: streamItems(iterator, pending, false, label, origin.lines + 1, file, lookup), close };
  } catch (err) {
    close();
    throw err;
  }
}

/**
 * Reads a whole `.json` file through the same bounded reader as stdin: a FIFO or a file that
 * grows has no size to check beforehand.
 * @throws UsageError
 */
export async function readDocumentStream(
  stream: NodeJS.ReadableStream,
  label: string,
  file?: string,
  lookup?: EnvLookup,
): Promise<SourceItem[]> {
  const iterator = stream[Symbol.asyncIterator]() as ChunkIterator;
  try {
    return await readDocument(iterator, [], label, { lines: 0, columns: 0 }, file, lookup);
  } finally {
    await iterator.return?.().catch(() => {});
  }
}

/**
 * Whether a first line (complete, or the head of an overlong one) starts a multi-line document
 * rather than JSON lines. A complete JSON value starts JSON lines unless it is a
 * `{"targets"/"defaults": …}` object (a document on one line). A line that is not JSON is a
 * document only when it is *unfinished* — valid up to its end, where more must follow (`{`,
 * `{"targets": [`); a line broken in the middle (`{"url": broken}`, an unterminated string,
 * which JSON does not let continue on the next line) is a bad JSON line among good ones.
 */
function startsDocument(line: { text: string; complete: boolean }): boolean {
  const text = line.text.trimEnd();
  if (!line.complete) return /^\{\s*"(?:targets|defaults)"\s*:/.test(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const where = locateJsonError(text);
    return where !== null && where.offset >= text.length;
  }
  return typeof value === 'object' && value !== null && ('targets' in value || 'defaults' in value);
}

/** The next chunk as a Buffer, or null at end of input. */
async function next(iterator: ChunkIterator): Promise<Buffer | null> {
  const result = await iterator.next();
  if (result.done === true) return null;
  const value = result.value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** {@link next} while the source is being opened: a read error is a usage error (nothing ran yet). */
async function nextOpening(iterator: ChunkIterator, label: string): Promise<Buffer | null> {
  try {
    return await next(iterator);
  } catch (err) {
    throw cannotRead(label, err);
  }
}

/**
 * Reads until a non-blank byte. Returns the input from that byte on (the chunk holding it,
 * sliced) and how many lines and columns were skipped, or null at end of input. Blank chunks are
 * dropped as they come, so a gigabyte of newlines costs nothing. A UTF-8 BOM at the very start
 * counts as blank, and as no column.
 */
async function findFirstNonBlank(
  iterator: ChunkIterator,
  label: string,
): Promise<{ pending: Buffer[]; origin: TextOrigin } | null> {
  let offset = 0;
  const origin = { lines: 0, columns: 0 };
  for (;;) {
    const chunk = await nextOpening(iterator, label);
    if (chunk === null) return null;
    for (let i = 0; i < chunk.length; i++, offset++) {
      const byte = chunk[i] ?? 0;
      if (offset < 3 && byte === UTF8_BOM[offset]) continue;
      if (byte === 0x0a) {
        origin.lines++;
        origin.columns = 0;
      } else if (byte === 0x20 || byte === 0x09 || byte === 0x0d) {
        origin.columns++;
      } else {
        return { pending: [chunk.subarray(i)], origin };
      }
    }
  }
}

/**
 * Reads until the first line (which `pending` starts with) is complete or known to be longer
 * than {@link MAX_LINE_BYTES}, in time linear in its length: each chunk is searched once. Chunks
 * read are appended to `pending`. Returns the line (or, when overlong, its first bytes), decoded.
 */
async function readFirstLine(
  iterator: ChunkIterator,
  pending: Buffer[],
  label: string,
): Promise<{ text: string; complete: boolean }> {
  let scanned = 0;
  for (let i = 0; ; i++) {
    let chunk = pending[i];
    if (chunk === undefined) {
      chunk = (await nextOpening(iterator, label)) ?? undefined;
      if (chunk === undefined) return { text: Buffer.concat(pending).toString('utf8'), complete: true };
      pending.push(chunk);
    }
    const nl = chunk.indexOf(0x0a);
    const length = nl === -1 ? scanned + chunk.length : scanned + nl;
    // +1: a CR before the LF is not counted.
    if (length > MAX_LINE_BYTES + 1) {
      return { text: Buffer.concat(pending).toString('utf8', 0, MAX_LINE_BYTES), complete: false };
    }
    if (nl !== -1) return { text: Buffer.concat(pending).toString('utf8', 0, length), complete: true };
    scanned += chunk.length;
  }
}

/** Reads the rest of the input as one JSON document, at most {@link MAX_DOCUMENT_BYTES}. */
async function readDocument(
  iterator: ChunkIterator,
  pending: Buffer[],
  label: string,
  origin: TextOrigin,
  file: string | undefined,
  lookup: EnvLookup | undefined,
): Promise<SourceItem[]> {
  let total = pending.reduce((sum, chunk) => sum + chunk.length, 0);
  try {
    for (let chunk = await nextOpening(iterator, label); chunk !== null; chunk = await nextOpening(iterator, label)) {
      total += chunk.length;
      // Checked before the chunk is kept: a 600 MB document is refused at 128 MiB, not held.
      if (total > MAX_DOCUMENT_BYTES) throw documentTooLarge(label);
      pending.push(chunk);
    }
  } finally {
    // Released however reading ended; a failure to release must not hide why it ended.
    await iterator.return?.().catch(() => {});
  }
  if (total > MAX_DOCUMENT_BYTES) throw documentTooLarge(label);
  const text = Buffer.concat(pending).toString('utf8');
  pending.length = 0;
  const resolve = lookup !== undefined && jsonMayReferToEnv(text) ? lookup : undefined;
  const items = documentItems(parseJsonDocument(text, label, origin), label, resolve);
  if (file !== undefined) {
    const lines = targetLines(text, origin.lines);
    for (let i = 0; i < items.length; i++) {
      const line = lines[i];
      if (line !== undefined) items[i]!.source = { file, line };
    }
  }
  return items;
}

async function* streamItems(
  iterator: ChunkIterator,
  pending: Buffer[],
  json: boolean,
  label: string,
  firstLineNo: number,
  file: string | undefined,
  lookup?: EnvLookup,
): AsyncGenerator<SourceItem[]> {
  let out: SourceItem[] = [];
  let lastLine = firstLineNo - 1;
  // A line whose `${env:…}` cannot be resolved ends the list there: the lines before it still
  // run (they may already be running), and the error is thrown after they are handed over.
  let failed: unknown = null;
  const splitter = new LineSplitter(
    {
      line(text, lineNo) {
        if (failed !== null) return;
        lastLine = lineNo;
        const trimmed = text.trim();
        if (trimmed === '' || trimmed.charCodeAt(0) === 0x23 /* # */) return;
        const item: SourceItem = json ? jsonLine(trimmed, `${label} line ${lineNo}`) : { input: trimmed };
        if (lookup !== undefined && 'input' in item && (!json || jsonMayReferToEnv(trimmed))) {
          try {
            resolveItem(item, lookup, `${label} line ${lineNo}`);
          } catch (err) {
            failed = err;
            return;
          }
        }
        if (file !== undefined) item.source = { file, line: lineNo };
        out.push(item);
      },
      overlong(lineNo, head) {
        lastLine = lineNo;
        const item: SourceItem = {
          raw: `${head}…`,
          invalid: `${label} line ${lineNo} longer than ${MAX_LINE_BYTES} bytes`,
        };
        if (file !== undefined) item.source = { file, line: lineNo };
        out.push(item);
      },
    },
    MAX_LINE_BYTES,
    firstLineNo,
  );
  try {
    for (const chunk of pending.splice(0)) splitter.push(chunk);
    for (;;) {
      if (out.length > 0) {
        const batch = out;
        out = [];
        yield batch;
      }
      if (failed !== null) throw failed;
      let chunk: Buffer | null;
      try {
        chunk = await next(iterator);
      } catch (err) {
        // Every complete line was yielded above; a partial last line is not a target.
        throw new InputReadError(label, lastLine, err);
      }
      if (chunk === null) break;
      splitter.push(chunk);
    }
    splitter.end();
    if (out.length > 0) yield out;
    if (failed !== null) throw failed;
  } finally {
    await iterator.return?.().catch(() => {});
  }
}

/** One JSON line: its value, or an invalid item saying why it is not one. */
function jsonLine(text: string, where: string): SourceItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const at = locateJsonError(text);
    const what = at === null ? 'invalid JSON' : `invalid JSON at column ${at.column}: ${at.message}`;
    return { raw: text, invalid: `${where}: ${what}` };
  }
  // A 64 KiB line can still nest 32k deep; nothing past here may recurse through that.
  const deep = tooDeep(value);
  if (deep !== null) return { raw: deepPreview(value), invalid: `${where}: ${tooDeepMessage(deep)}` };
  return { input: value as never };
}
