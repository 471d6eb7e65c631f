import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { parseResultLine } from '../merge/parse-result.js';
import { openReportFile } from '../report/safe-write.js';
import { resultToJson } from '../report/result-json.js';
import { LineSplitter } from '../targets/read/lines.js';
import type { Result } from '../types.js';
import { identityKey } from './identity.js';

const HEADER = 'fetch-many-cache';
const VERSION = 1;
/** A cache line holds one result line and a little more: the same bound as a results file. */
const MAX_LINE_BYTES = 8 * 1024 * 1024 + 1024;

/** A cache file that is not one: the message names file and line. */
export class CacheFileError extends Error {
  override readonly name = 'CacheFileError';
  readonly code = 'bad_cache';
  constructor(file: string, line: number, reason: string) {
    super(`${file} line ${line}: ${reason}`);
  }
}

interface Entry {
  /** When the result was fetched, ms since the epoch. */
  at: number;
  /** The result as its NDJSON line (redacted, as the reports showed it). */
  json: string;
}

/**
 * `--cache FILE --cache-max-age DUR` (lychee's `--cache`): the last ok result per target
 * identity, with when it was fetched. A target with an entry younger than the maximum age is not
 * fetched; its earlier result is reported again, marked `cached: true`. Every result fetched
 * refreshes the cache: an ok one replaces its entry, a failed one removes it (only oks are ever
 * skipped, so a broken target is checked on every run); `cancelled` ones change nothing.
 *
 * The file is NDJSON: a header `{"format":"fetch-many-cache","version":1,"written":…}`, then
 * `{"key","at","result"}` per target — `key` the identity's 64-bit key in hex, `at` an ISO 8601
 * time, `result` the result as `--ndjson` writes it. Read whole and strictly before any request
 * (a missing file is an empty cache); written whole through a temporary file and a rename at
 * the end of the run. Entries of targets this run did not have are kept, as long as they are
 * fresh: stale ones are dropped when the file is written.
 */
export class ResultCache {
  readonly #entries: Map<string, Entry>;
  readonly #path: string;
  readonly #maxAgeMs: number;
  #now: number;

  private constructor(path: string, maxAgeMs: number, entries: Map<string, Entry>, now: number) {
    this.#path = path;
    this.#maxAgeMs = maxAgeMs;
    this.#entries = entries;
    this.#now = now;
  }

  get path(): string {
    return this.#path;
  }

  /** A new round of `--every`: freshness is judged from now. */
  beginRound(now: number = Date.now()): void {
    this.#now = now;
  }

  /** @throws CacheFileError, or the I/O error of an unreadable file (ENOENT: an empty cache, no error) */
  static async load(path: string, maxAgeMs: number, now: number = Date.now()): Promise<ResultCache> {
    const entries = new Map<string, Entry>();
    let bad: CacheFileError | null = null;
    let sawHeader = false;
    const splitter = new LineSplitter(
      {
        line(text, line) {
          if (bad !== null || text.trim() === '') return;
          try {
            if (!sawHeader) {
              header(text);
              sawHeader = true;
            } else {
              const [key, entry] = parseEntry(text);
              entries.set(key, entry);
            }
          } catch (err) {
            bad = new CacheFileError(path, line, (err as Error).message);
          }
        },
        overlong(line) {
          bad ??= new CacheFileError(path, line, `longer than ${MAX_LINE_BYTES} bytes`);
        },
      },
      MAX_LINE_BYTES,
    );
    try {
      for await (const chunk of createReadStream(path)) {
        splitter.push(chunk as Buffer);
        if (bad !== null) throw bad;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ResultCache(path, maxAgeMs, entries, now);
      throw err;
    }
    splitter.end();
    if (bad !== null) throw bad;
    if (!sawHeader) throw new CacheFileError(path, 1, 'empty: not a fetch-many cache file');
    return new ResultCache(path, maxAgeMs, entries, now);
  }

  /**
   * The cached result for a target whose (redacted) identity is that of `probe`, when it was ok
   * and fetched within the maximum age; null otherwise. The caller gives it the target's index,
   * input and name.
   */
  fresh(probe: Result): Result | null {
    const entry = this.#entries.get(keyOf(probe));
    if (entry === undefined || this.#now - entry.at > this.#maxAgeMs || entry.at > this.#now) return null;
    const r = JSON.parse(entry.json) as Result;
    return r.ok ? r : null;
  }

  /** A fetched result (redacted): ok replaces its entry, failed removes it, cancelled does nothing. */
  update(r: Result): void {
    if (r.cached === true || r.error?.code === 'cancelled') return;
    const key = keyOf(r);
    if (!r.ok) {
      this.#entries.delete(key);
      return;
    }
    const { change: _, ...plain } = r;
    this.#entries.set(key, { at: Date.now(), json: resultToJson(plain) });
  }

  /** Writes the fresh entries: temp file in the same folder, then renamed over the path. */
  async save(): Promise<void> {
    const file = openReportFile(this.#path);
    const stream = file.stream;
    const write = async (text: string): Promise<void> => {
      if (!stream.write(text)) await once(stream, 'drain');
    };
    const now = Date.now();
    try {
      await write(`${JSON.stringify({ format: HEADER, version: VERSION, written: new Date(now).toISOString() })}\n`);
      let buf = '';
      for (const [key, e] of this.#entries) {
        if (now - e.at > this.#maxAgeMs) continue;
        buf += `{"key":"${key}","at":"${new Date(e.at).toISOString()}","result":${e.json}}\n`;
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
}

const keyOf = (r: Result): string => identityKey(r).toString(16).padStart(16, '0');

function header(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not a fetch-many cache file (the first line is not JSON)');
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || v.format !== HEADER) {
    throw new Error('not a fetch-many cache file (no "format":"fetch-many-cache" header)');
  }
  if (v.version !== VERSION)
    throw new Error(`cache file version ${JSON.stringify(v.version)}: this fetch-many reads ${VERSION}`);
}

function parseEntry(text: string): [string, Entry] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  if (typeof v.key !== 'string' || !/^[0-9a-f]{16}$/.test(v.key)) throw new Error('"key" must be 16 hex digits');
  const at = typeof v.at === 'string' ? Date.parse(v.at) : Number.NaN;
  if (Number.isNaN(at)) throw new Error('"at" must be an ISO 8601 time');
  let result: Result;
  try {
    result = parseResultLine(JSON.stringify(v.result));
  } catch (err) {
    throw new Error(`"result": ${(err as Error).message}`);
  }
  return [v.key, { at, json: resultToJson(result) }];
}
