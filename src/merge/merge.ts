import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../types.js';
import { BitSet } from './bitset.js';
import { MinHeap } from './heap.js';
import { type ReadResult, readResults } from './read-results.js';
import { byIndex, FileRun, MemoryRun, type MergeRecord, runLine, type SortedRun, writeRun } from './spill.js';

/** One results file (or stdin) to merge. */
export interface MergeInput {
  /** How messages name it: the path, or `stdin`. */
  label: string;
  /** Opened only when its turn comes, so at most one input is open at a time. */
  open(): NodeJS.ReadableStream | Promise<NodeJS.ReadableStream>;
}

export interface MergeOptions {
  /** The list's length: indexes 0 … total-1 must all be present. @default highest index seen + 1 */
  total?: number;
  /**
   * Results held in memory (as JSON text, UTF-16 units) before a sorted run is spilled to a
   * temporary file. @default 32 Mi units (~64 MiB)
   */
  spillAt?: number;
  /** Where runs are spilled. @default os.tmpdir() */
  tmpDir?: string;
  /**
   * Asked every few hundred results: a promise while the outputs are behind (a slow reader),
   * which the merge awaits before it goes on, so output never piles up in memory.
   */
  ready?: () => Promise<void> | null;
  /** Stops the merge (MergeError `interrupted`) at the next batch of results. */
  signal?: AbortSignal;
}

export type MergeErrorKind = 'duplicate' | 'missing' | 'beyond_total' | 'empty' | 'interrupted';

/** The inputs do not add up to one run's results. */
export class MergeError extends Error {
  override readonly name = 'MergeError';
  readonly code = 'merge';
  constructor(
    readonly kind: MergeErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface MergeStats {
  /** Results emitted: one per index. */
  results: number;
  /** Results read that lost to another for the same index (cancelled ones). */
  superseded: number;
  /** Sorted runs spilled to disk (0 when everything fitted in memory). */
  spilled: number;
  /** Run files open at once in the final merge: at most 64, however many were spilled. */
  openRuns: number;
}

/** How many missing indexes a message lists before "…". */
const SHOW_MISSING = 5;

/**
 * Runs merged at once. Past this many, groups of runs are merged into one larger run first, so
 * open files and read buffers (512 KiB each) stay bounded however many results there are.
 */
const MAX_FAN_IN = 64;

/** Indexes are tracked one bit each up to the highest: a bogus huge index must not allocate that. */
const MAX_INDEX = 2 ** 32 - 1;

/**
 * Merges the NDJSON results of several runs (shards, a resumed run and the one before it) into
 * one result per index, emitted in index order — what a single run of the whole list would
 * have reported.
 *
 * Each input is in completion order, so this is an external merge sort: results are read one
 * input at a time, checked, and held in a chunk that is sorted and spilled to a temporary file
 * when it grows past `spillAt`; the runs are then merged through a heap. Memory stays bounded
 * by one chunk plus a read buffer per run, however many results there are.
 *
 * Every error is found in the first pass, before anything is emitted: two finished results for
 * one index (a real duplicate — e.g. the same shard given twice), an index at or past `total`,
 * and indexes no input has (bits per index, so this costs 1 bit per target). A `cancelled`
 * result loses to a finished one for the same index, in whichever order they come.
 * @throws MergeError, ResultFileError, or the I/O error of an unreadable input
 */
export async function mergeResults(
  inputs: readonly MergeInput[],
  options: MergeOptions,
  emit: (result: Result) => void,
): Promise<MergeStats> {
  const spillAt = options.spillAt ?? 32 * 1024 * 1024;
  const seen = new BitSet();
  const finished = new BitSet();
  let superseded = 0;
  let records = 0;
  let chunk: MergeRecord[] = [];
  let chunkSize = 0;
  /** Spilled runs, by path: opened only for the merge, at most {@link MAX_FAN_IN} at a time. */
  let paths: string[] = [];
  const runs: FileRun[] = [];
  const memory: SortedRun[] = [];
  let dir: string | null = null;
  let runId = 0;
  const runPath = (): string => join(dir!, `run-${runId++}.tsv`);

  try {
    for (const input of inputs) {
      for await (const batch of readInput(input, options.signal)) {
        for (const { result, text, line } of batch) {
          const index = result.index;
          if (index > MAX_INDEX) {
            throw new MergeError('beyond_total', `${input.label} line ${line}: index ${index} is too large to merge`);
          }
          if (options.total !== undefined && index >= options.total) {
            throw new MergeError(
              'beyond_total',
              `${input.label} line ${line}: index ${index} is past the end of the list (${options.total} targets)`,
            );
          }
          const done = result.error?.code !== 'cancelled';
          if (done) {
            if (finished.has(index)) {
              throw new MergeError(
                'duplicate',
                `index ${index} has two finished results (the second at ${input.label} line ${line}): the same shard or run given twice?`,
              );
            }
            finished.add(index);
          } else if (finished.has(index)) {
            superseded++;
            continue;
          }
          seen.add(index);
          // The line itself, not the parsed object: one flat string is far smaller to hold.
          chunk.push({ index, finished: done, json: text });
          records++;
          chunkSize += text.length;
          if (chunkSize >= spillAt) {
            dir ??= await mkdtemp(join(options.tmpDir ?? tmpdir(), 'fetch-many-merge-'));
            chunk.sort(byIndex);
            const path = runPath();
            await writeRun(path, chunk);
            paths.push(path);
            chunk = [];
            chunkSize = 0;
          }
        }
      }
    }
    const spilled = runId;
    chunk.sort(byIndex);
    memory.push(new MemoryRun(chunk));

    const end = options.total ?? seen.end;
    if (end === 0) throw new MergeError('empty', 'no results in the input');
    const gaps = seen.gaps(end, SHOW_MISSING);
    if (gaps.count > 0) {
      const list = gaps.first.join(', ') + (gaps.count > gaps.first.length ? ', …' : '');
      const bound = options.total === undefined ? ' (the highest index seen bounds the list; --total sets it)' : '';
      throw new MergeError('missing', `${gaps.count} of ${end} results missing${bound}: index ${list}`);
    }

    while (paths.length > MAX_FAN_IN) {
      paths = [...paths.slice(MAX_FAN_IN), await combine(paths.slice(0, MAX_FAN_IN), runPath())];
    }
    for (const path of paths) runs.push(await FileRun.open(path));
    const results = await mergeRuns([...runs, ...memory], emit, options.ready, options.signal);
    return { results, superseded: superseded + records - results, spilled, openRuns: runs.length };
  } finally {
    await Promise.all(runs.map((run) => run.close().catch(() => {})));
    if (dir !== null) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Merges sorted run files into one, keeping every record (ties are resolved by the final
 * merge), and removes them. Returns the new file's path.
 */
async function combine(paths: readonly string[], path: string): Promise<string> {
  const group: FileRun[] = [];
  const heap = new MinHeap<SortedRun>((a, b) => a.head!.index < b.head!.index);
  const handle = await open(path, 'w');
  try {
    for (const p of paths) group.push(await FileRun.open(p));
    for (const run of group) if (run.head !== null) heap.push(run);
    let buf = '';
    while (heap.size > 0) {
      const run = heap.pop()!;
      buf += runLine(run.head!);
      if (buf.length >= 1 << 20) {
        await handle.write(buf);
        buf = '';
      }
      await run.advance();
      if (run.head !== null) heap.push(run);
    }
    if (buf !== '') await handle.write(buf);
  } finally {
    await handle.close();
    await Promise.all(group.map((run) => run.close()));
  }
  await Promise.all(paths.map((p) => rm(p, { force: true })));
  return path;
}

async function mergeRuns(
  runs: readonly SortedRun[],
  emit: (result: Result) => void,
  ready: (() => Promise<void> | null) | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  // Ties on index keep run order, which follows input order: the first cancelled result wins
  // among cancelled ones.
  const order = new Map(runs.map((run, i) => [run, i]));
  const heap = new MinHeap<SortedRun>(
    (a, b) => a.head!.index < b.head!.index || (a.head!.index === b.head!.index && order.get(a)! < order.get(b)!),
  );
  for (const run of runs) if (run.head !== null) heap.push(run);

  let emitted = 0;
  let sinceDrain = 0;
  let best: MergeRecord | null = null;
  const flush = (): void => {
    if (best === null) return;
    // A line the first pass already checked: no second validation needed.
    emit(JSON.parse(best.json) as Result);
    emitted++;
    sinceDrain++;
    best = null;
  };
  while (heap.size > 0) {
    const run = heap.pop()!;
    const record = run.head!;
    if (best !== null && best.index !== record.index) flush();
    // At most one finished record per index got this far (the first pass refused a second).
    if (best === null || (record.finished && !best.finished)) best = record;
    await run.advance();
    if (run.head !== null) heap.push(run);
    if (sinceDrain >= 256) {
      sinceDrain = 0;
      stopIfAborted(signal);
      const behind = ready?.() ?? null;
      if (behind !== null) await behind;
    }
  }
  flush();
  return emitted;
}

/** One input's results, batch by batch; a signal ends even a wait for more (stdin held open). */
async function* readInput(input: MergeInput, signal: AbortSignal | undefined): AsyncGenerator<ReadResult[]> {
  stopIfAborted(signal);
  const stream = await input.open();
  const onAbort = (): void => {
    (stream as { destroy?: () => void }).destroy?.();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const batch of readResults(stream, input.label)) {
      stopIfAborted(signal);
      yield batch;
    }
  } catch (err) {
    // The stream destroyed by the signal fails with its own error: report the signal instead.
    stopIfAborted(signal);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  stopIfAborted(signal);
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new MergeError('interrupted', 'interrupted');
}
