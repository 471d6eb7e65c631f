import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';

/**
 * Checks, before any request, that a report file (`--junit`) can be written where the user asked.
 * The JUnit writer only touches the disk at the very end of the run, so without this a typo in
 * the directory cost the whole run and ended in an unexplained I/O error (validate once, at the
 * boundary).
 * @throws UsageError
 */
export async function checkOutputPath(path: string, flag: string): Promise<void> {
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory() === true) throw new UsageError(`${flag} ${path}: is a directory`);
  const dir = dirname(path);
  const parent = await stat(dir).catch(() => null);
  if (parent === null || !parent.isDirectory()) throw new UsageError(`${flag} ${path}: no such directory ${dir}`);
  try {
    // The report is written to a temp file in the same directory, then renamed: both need write access there.
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${path}: cannot write in ${dir} (permission denied)`);
  }
}
