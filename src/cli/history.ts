import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { Baseline } from '../history/baseline.js';
import { RunState, StateFileError } from '../history/state.js';
import { CacheFileError, ResultCache } from '../history/cache.js';
import { errnoWords } from '../errno.js';
import { ResultFileError } from '../merge/read-results.js';
import { cannotRead } from '../targets/read/sources.js';

/**
 * `--baseline FILE…` (and `diff OLD`): checks each file can be read, then loads them, strictly,
 * before any request — a malformed line is a usage error naming file and line.
 * @throws UsageError
 */
export async function loadBaseline(files: readonly string[], flag: string): Promise<Baseline> {
  for (const file of files) await checkReadable(file, flag);
  try {
    return await Baseline.load(files.map((file) => ({ label: file, open: () => createReadStream(file) })));
  } catch (err) {
    if (err instanceof ResultFileError) throw new UsageError(`${flag}: ${err.message}`);
    throw cannotRead(String(files[0]), err, flag);
  }
}

/** A missing or unreadable file (or a directory) is a usage error before anything is read. */
export async function checkReadable(path: string, flag: string): Promise<void> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await (await open(path, 'r')).close();
  } catch (err) {
    throw cannotRead(path, err, flag);
  }
}

/**
 * `--state FILE`: read before any request (a missing file is a first run), strictly.
 * @throws UsageError
 */
export async function loadState(path: string): Promise<RunState> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotRead(path, err, '--state');
  }
  try {
    return await RunState.load(path);
  } catch (err) {
    if (err instanceof StateFileError) throw new UsageError(`--state: ${err.message}`);
    throw cannotRead(path, err, '--state');
  }
}

/** Writes the state at the end of a run; a failure is the run's failure to report (exit 2). */
export async function saveState(state: RunState): Promise<void> {
  try {
    await state.save();
  } catch (err) {
    throw new UsageError(`--state: cannot write ${state.path}: ${errnoWords(err)}`, { cause: err });
  }
}

/**
 * `--cache FILE`: read before any request (a missing file is an empty cache), strictly.
 * @throws UsageError
 */
export async function loadCache(path: string, maxAgeMs: number): Promise<ResultCache> {
  try {
    if ((await stat(path)).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotRead(path, err, '--cache');
  }
  try {
    return await ResultCache.load(path, maxAgeMs);
  } catch (err) {
    if (err instanceof CacheFileError) throw new UsageError(`--cache: ${err.message}`);
    throw cannotRead(path, err, '--cache');
  }
}

/** Writes the cache at the end of a run; a failure is the run's failure to report (exit 2). */
export async function saveCache(cache: ResultCache): Promise<void> {
  try {
    await cache.save();
  } catch (err) {
    throw new UsageError(`--cache: cannot write ${cache.path}: ${errnoWords(err)}`, { cause: err });
  }
}
