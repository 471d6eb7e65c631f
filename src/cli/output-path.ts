import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { resolveDestination, type Destination } from '../report/safe-write.js';

/**
 * Checks, before any request, that a report file (`--junit`) can be written where the user asked.
 * The report only lands at the end of the run, so without this a typo in the directory cost the
 * whole run and ended in an unexplained I/O error (validate once, at the boundary). The checks
 * follow how the file will be written (see report/safe-write.ts): a regular or new file (through
 * any symlinks) needs a writable folder for the temp file and the rename; a FIFO or device needs
 * to be writable itself.
 * @throws UsageError
 */
export async function checkOutputPath(path: string, flag: string): Promise<void> {
  let dest: Destination;
  try {
    dest = resolveDestination(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UsageError(`${flag} ${path}: is a directory`);
    if (code === 'ELOOP') throw new UsageError(`${flag} ${path}: too many levels of symbolic links`);
    throw new UsageError(`${flag} ${path}: cannot be written (${code ?? 'error'})`);
  }
  if (dest.kind === 'stdout' || dest.kind === 'stderr') return;
  if (dest.kind === 'direct') {
    try {
      await access(dest.path, constants.W_OK);
    } catch {
      throw new UsageError(`${flag} ${path}: cannot write to it (permission denied)`);
    }
    return;
  }
  const dir = dirname(dest.path);
  const shown = dest.path === path ? path : `${path} (→ ${dest.path})`;
  const parent = await stat(dir).catch(() => null);
  if (parent === null || !parent.isDirectory()) throw new UsageError(`${flag} ${shown}: no such directory ${dir}`);
  try {
    // The report is written to a temp file in the same directory, then renamed: both need write access there.
    await access(dir, constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${shown}: cannot write in ${dir} (permission denied)`);
  }
}
