import type { Result } from '../types.js';
import type { Summary } from './summary.js';

/**
 * What every output format implements. Reporters only format: they never touch sockets and
 * never decide exit codes (the CLI does, from the {@link Summary}).
 */
export interface Reporter {
  /** One result, in completion order. Must be cheap: called up to a million times. */
  result(r: Result): void;
  /** The run ended (normally or cancelled). Write what is left, then resolve when flushed. */
  end(summary: Summary): Promise<void>;
}
