/**
 * Bad input from the user that stops the whole run before it starts (unknown flag, unreadable
 * file, malformed JSON). The CLI prints `message` as one line and exits 2.
 */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
  /** `usage`, or `invalid_option` for an {@link OptionError}. */
  readonly code: 'usage' | 'invalid_option' = 'usage';
}

/**
 * A run option is unknown or has a value that cannot work (`concurrency: 0` would never start a
 * request, `timeout: 'soon'` has no meaning). Thrown by `fetchMany` before it does anything,
 * and by the CLI for a bad flag (printed as one line, exit 2). `option` names the option as the
 * caller wrote it: the library key (`concurrency`) or the flag (`--concurrency`).
 */
export class OptionError extends UsageError {
  override readonly name = 'OptionError';
  override readonly code = 'invalid_option';
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
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
