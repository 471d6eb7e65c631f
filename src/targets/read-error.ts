import { UsageError } from '../errors.js';

/**
 * An errno error in a few words (`no such file`, `is a directory`, `connection reset`), the code
 * itself when there are no better words, so one line says what happened without a stack.
 */
export function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file';
    case 'EISDIR':
      return 'is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ECONNRESET':
      return 'connection reset (ECONNRESET)';
    case 'EIO':
      return 'input/output error (EIO)';
    default:
      return code ?? (err as Error | null)?.message ?? String(err);
  }
}

/**
 * Why a file could not be read, in a few words. Also used for stdin and for the CLI's own files
 * (--cacert, --cert, --key), with `flag` naming the option.
 */
export function cannotRead(path: string, err: unknown, flag?: string): UsageError {
  return new UsageError(`${flag === undefined ? '' : `${flag}: `}cannot read ${path}: ${errnoWords(err)}`, {
    cause: err,
  });
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
