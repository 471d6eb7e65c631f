import type { Result } from '../types.js';
import type { Summary } from './summary.js';

/**
 * What every output format implements. Reporters only format: they never touch sockets and
 * never decide exit codes (the CLI does, from the {@link Summary}).
 */
export interface Reporter {
  /** One result, in completion order. Must be cheap: called up to a million times. */
  result(r: Result): void;
  /**
   * A baseline result whose target this run did not have (`change: "gone"`), after every
   * result and before `end`. Reporters that list targets list it last; others ignore it.
   */
  gone?(r: Result): void;
  /** The run ended (normally or cancelled). Write what is left, then resolve when flushed. */
  end(summary: Summary): Promise<void>;
  /**
   * The run turned out to be a usage error (no targets): write nothing, and remove whatever was
   * started (a temp file). Only reporters that hold such things implement it.
   */
  discard?(): Promise<void>;
  /**
   * For reporters with an output of their own (a file): null while it keeps up, else a promise
   * that resolves once it has caught up (see Output.ready). The run takes no new target meanwhile.
   */
  ready?(): Promise<void> | null;
}
