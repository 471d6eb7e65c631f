import type { ErrorCode, ResultError, TimeoutPhase } from './types.js';

/**
 * Bad input from the user that stops the whole run before it starts (unknown flag, unreadable
 * file, malformed JSON). The CLI prints `message` as one line and exits 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

/**
 * The HTTP/1.x response parser could not make sense of what the server sent. `code` is the
 * result's error code: `protocol` (malformed), `truncated` (ended early) or `too_large`
 * (header section over the limit).
 */
export class ParseError extends Error {
  override readonly name = 'ParseError';
  constructor(
    readonly code: 'protocol' | 'truncated' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

/** Builds the `error` field of a result. */
export function resultError(code: ErrorCode, message: string, phase?: TimeoutPhase): ResultError {
  return phase === undefined ? { code, message } : { code, phase, message };
}
