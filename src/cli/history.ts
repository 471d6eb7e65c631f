import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UsageError } from '../errors.js';
import { Baseline } from '../history/baseline.js';
import { ResultFileError } from '../merge/read-results.js';
import { cannotRead } from '../targets/sources.js';

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
