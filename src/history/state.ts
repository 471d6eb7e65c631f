import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { openReportFile } from '../report/safe-write.js';
import { LineSplitter } from '../targets/read/lines.js';
import type { Result } from '../types.js';
import { identityKey, identityOf } from './identity.js';

/** One target's memory across runs. */
export interface StreakEntry {
  /** How the target is shown (method and URL, redacted); for people reading the file. */
  target: string;
  /** Runs in a row, up to and including the last one that checked it, in which it failed; 0 after an ok. */
  failures: number;
  /** When it was last ok (ISO 8601), or null: never seen ok. */
  lastOk: string | null;
  /** When a run last checked it (ISO 8601). */
  lastRun: string;
}

/** The first line of a state file: what it is, so another file given by mistake is refused. */
const HEADER = 'fetch-many-state';
const VERSION = 1;
/** A state line longer than this is refused (a URL is at most 64 KiB as a target). */
const MAX_LINE_BYTES = 256 * 1024;

/** A state file that is not one: the message names file and line. */
export class StateFileError extends Error {
  override readonly name = 'StateFileError';
  readonly code = 'bad_state';
  constructor(file: string, line: number, reason: string) {
    super(`${file} line ${line}: ${reason}`);
  }
}

/**
 * `--state FILE`: per target identity (see identity.ts), its consecutive failures and when it
 * was last ok, carried from run to run (Gatus's failure threshold, without a server).
 *
 * The file is NDJSON: a header line `{"format":"fetch-many-state","version":1,"written":…}`,
 * then one line per target `{"key","target","failures","lastOk","lastRun"}`, `key` being the
 * identity's 64-bit key in hex. A missing file is a first run; anything else that is not such a
 * file is an error naming file and line. {@link save} writes it whole to a temporary file in the
 * same folder and renames it over the old one, so a reader — or the next run, after a crash or a
 * signal mid-write — sees the old state or the new one, never half of one.
 *
 * Targets this run did not check (another list, an interrupted run, a shard) keep their entry
 * as it was; a `cancelled` result says nothing of its target and changes nothing.
 */
export class RunState {
  readonly #entries: Map<string, StreakEntry>;
  readonly #path: string;
  #started: string;
  /** Keys this run checked and that failed, with their new count. */
  readonly #failedNow = new Map<string, number>();
  /** What the entries of keys this run checked said before it (a target listed twice counts once). */
  readonly #before = new Map<string, { failures: number; lastOk: string | null }>();

  private constructor(path: string, entries: Map<string, StreakEntry>, now: Date) {
    this.#path = path;
    this.#entries = entries;
    this.#started = now.toISOString();
  }

  /** @throws StateFileError, or the I/O error of an unreadable file (ENOENT: a first run, no error) */
  static async load(path: string, now: Date = new Date()): Promise<RunState> {
    const entries = new Map<string, StreakEntry>();
    let bad: StateFileError | null = null;
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
            bad = new StateFileError(path, line, (err as Error).message);
          }
        },
        overlong(line) {
          bad ??= new StateFileError(path, line, `longer than ${MAX_LINE_BYTES} bytes`);
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
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new RunState(path, entries, now);
      throw err;
    }
    splitter.end();
    if (bad !== null) throw bad;
    if (!sawHeader) throw new StateFileError(path, 1, 'empty: not a fetch-many state file');
    return new RunState(path, entries, now);
  }

  get path(): string {
    return this.#path;
  }

  /** A new round of `--every`: a run of its own for the streaks. */
  beginRound(now: Date = new Date()): void {
    this.#started = now.toISOString();
    this.#failedNow.clear();
    this.#before.clear();
  }

  /** Counts one result of this run (redacted, as the reports show it). */
  record(r: Result): void {
    if (r.error?.code === 'cancelled') return;
    const key = identityKey(r).toString(16).padStart(16, '0');
    let before = this.#before.get(key);
    if (before === undefined) {
      const entry = this.#entries.get(key);
      before = { failures: entry?.failures ?? 0, lastOk: entry?.lastOk ?? null };
      this.#before.set(key, before);
    }
    // A target listed twice in one run counts once: as failed when any of its results failed.
    const failed = !r.ok || this.#failedNow.has(key);
    const failures = failed ? before.failures + 1 : 0;
    if (failed) this.#failedNow.set(key, failures);
    const lastOk = failed ? before.lastOk : this.#started;
    this.#entries.set(key, { target: identityOf(r), failures, lastOk, lastRun: this.#started });
  }

  /** Targets this run checked that have now failed at least `n` runs in a row: how many, and the first few. */
  failingFor(n: number, keep = 5): { count: number; first: string[] } {
    let count = 0;
    const first: string[] = [];
    for (const [key, failures] of this.#failedNow) {
      if (failures < n) continue;
      count++;
      if (first.length < keep) first.push(this.#entries.get(key)?.target ?? key);
    }
    return { count, first };
  }

  /** Writes the state: temp file in the same folder, then renamed over the path. */
  async save(): Promise<void> {
    const file = openReportFile(this.#path);
    const stream = file.stream;
    const write = async (text: string): Promise<void> => {
      if (!stream.write(text)) await once(stream, 'drain');
    };
    try {
      await write(`${JSON.stringify({ format: HEADER, version: VERSION, written: new Date().toISOString() })}\n`);
      let buf = '';
      for (const [key, e] of this.#entries) {
        buf += `${JSON.stringify({ key, target: e.target, failures: e.failures, lastOk: e.lastOk, lastRun: e.lastRun })}\n`;
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

function header(text: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not a fetch-many state file (the first line is not JSON)');
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || v.format !== HEADER) {
    throw new Error('not a fetch-many state file (no "format":"fetch-many-state" header)');
  }
  if (v.version !== VERSION)
    throw new Error(`state file version ${JSON.stringify(v.version)}: this fetch-many reads ${VERSION}`);
}

const ISO = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function parseEntry(text: string): [string, StreakEntry] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not valid JSON');
  }
  const v = value as Record<string, unknown> | null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
  if (typeof v.key !== 'string' || !/^[0-9a-f]{16}$/.test(v.key)) throw new Error('"key" must be 16 hex digits');
  if (typeof v.target !== 'string') throw new Error('"target" must be a string');
  if (typeof v.failures !== 'number' || !Number.isSafeInteger(v.failures) || v.failures < 0) {
    throw new Error('"failures" must be a whole number ≥ 0');
  }
  if (v.lastOk !== null && !ISO(v.lastOk)) throw new Error('"lastOk" must be an ISO 8601 time or null');
  if (!ISO(v.lastRun)) throw new Error('"lastRun" must be an ISO 8601 time');
  return [v.key, { target: v.target, failures: v.failures, lastOk: v.lastOk as string | null, lastRun: v.lastRun }];
}
