import { UsageError } from '../../errors.js';
import { escapeControls } from '../../controls.js';
import { errnoWords } from '../../errno.js';

// One wording for errno errors across the CLI (a message once read `ENOSPC: ENOSPC:`).
export { errnoWords };

/**
 * Why a file could not be read, in a few words. Also used for stdin and for the CLI's own files
 * (--cacert, --cert, --key), with `flag` naming the option.
 */
export function cannotRead(path: string, err: unknown, flag?: string): UsageError {
  return new UsageError(
    `${flag === undefined ? '' : `${flag}: `}cannot read ${escapeControls(path)}: ${errnoWords(err)}`,
    {
      cause: err,
    },
  );
}

/**
 * Reading a target source failed after the run had started (stdin is a socket its peer reset, a
 * file on a failing disk). Thrown by the source's iterator after it has yielded every complete
 * item it read; the CLI ends the run with what was read, closes every report, says this in one
 * line and exits 2. The errno error is kept on `cause`.
 */
export class InputReadError extends Error {
  override readonly name = 'InputReadError';
  readonly code = 'input_read_error';
  constructor(
    /** The source, as in messages: `stdin` or the file's path. */
    readonly source: string,
    /** Complete lines read before the error. */
    readonly lines: number,
    cause: unknown,
  ) {
    super(`${source}: read error after ${lines} line${lines === 1 ? '' : 's'}: ${errnoWords(cause)}`, { cause });
  }
}
