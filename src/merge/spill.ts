import { type FileHandle, open } from 'node:fs/promises';

/** One result on its way through the merge: its index, whether it finished, its checked JSON line. */
export interface MergeRecord {
  index: number;
  /** False for a `cancelled` result, which loses to a finished one for the same index. */
  finished: boolean;
  json: string;
}

/** A source of records in index order: an in-memory sorted chunk or a spilled file. */
export interface SortedRun {
  /** The current record, or null once the run is exhausted. */
  readonly head: MergeRecord | null;
  /** Moves to the next record; resolves once `head` is valid again. */
  advance(): Promise<void> | void;
  close(): Promise<void>;
}

export const byIndex = (a: MergeRecord, b: MergeRecord): number => a.index - b.index;

export class MemoryRun implements SortedRun {
  #at = 0;
  constructor(readonly records: readonly MergeRecord[]) {}
  get head(): MergeRecord | null {
    return this.records[this.#at] ?? null;
  }
  advance(): void {
    this.#at++;
  }
  async close(): Promise<void> {}
}

/**
 * Writes sorted records to `path`, one per line: `index TAB f|c TAB json`. Our own temporary
 * format, so reading it back needs no validation. The JSON line holds no newline (it was one
 * line) and comes last, so a tab inside it does not matter.
 */
export async function writeRun(path: string, records: readonly MergeRecord[]): Promise<void> {
  const handle = await open(path, 'w');
  try {
    let buf = '';
    for (const r of records) {
      buf += runLine(r);
      if (buf.length >= 1 << 20) {
        await handle.write(buf);
        buf = '';
      }
    }
    if (buf !== '') await handle.write(buf);
  } finally {
    await handle.close();
  }
}

/** One record as a line of a run file. */
export const runLine = (r: MergeRecord): string => `${r.index}\t${r.finished ? 'f' : 'c'}\t${r.json}\n`;

/** Reads a run written by {@link writeRun}, 512 KiB at a time. */
export class FileRun implements SortedRun {
  #head: MergeRecord | null = null;
  #lines: string[] = [];
  #at = 0;
  #rest: Buffer = Buffer.alloc(0);
  #done = false;
  readonly #buffer = Buffer.allocUnsafe(512 * 1024);

  private constructor(readonly handle: FileHandle) {}

  static async open(path: string): Promise<FileRun> {
    const run = new FileRun(await open(path, 'r'));
    await run.advance();
    return run;
  }

  get head(): MergeRecord | null {
    return this.#head;
  }

  async advance(): Promise<void> {
    while (this.#at >= this.#lines.length) {
      if (this.#done) {
        this.#head = null;
        return;
      }
      await this.#fill();
    }
    const line = this.#lines[this.#at++]!;
    const tab1 = line.indexOf('\t');
    this.#head = { index: Number(line.slice(0, tab1)), finished: line[tab1 + 1] === 'f', json: line.slice(tab1 + 3) };
  }

  async #fill(): Promise<void> {
    const { bytesRead } = await this.handle.read(this.#buffer, 0, this.#buffer.length, null);
    if (bytesRead === 0) {
      this.#done = true;
      this.#lines = [];
      this.#at = 0;
      return;
    }
    const data =
      this.#rest.length === 0
        ? this.#buffer.subarray(0, bytesRead)
        : Buffer.concat([this.#rest, this.#buffer.subarray(0, bytesRead)]);
    const lastNl = data.lastIndexOf(0x0a);
    // Copy the tail: the read buffer is reused by the next read.
    this.#rest = Buffer.from(data.subarray(lastNl + 1));
    this.#lines = lastNl === -1 ? [] : data.toString('utf8', 0, lastNl).split('\n');
    this.#at = 0;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
