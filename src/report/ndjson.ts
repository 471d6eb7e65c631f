import type { Result } from '../types.js';
import type { Output } from './output.js';
import type { Reporter } from './reporter.js';
import { resultToJson } from './result-json.js';
import type { Summary } from './summary.js';

/**
 * Newline-delimited JSON: one object per result (see {@link resultToJson}), written as each
 * result completes, so a consumer can act on results while the run goes on. No summary line: a
 * stream of results should hold only results.
 */
export function createNdjsonReporter(out: Output): Reporter {
  let ended = false;
  return {
    result(r: Result): void {
      if (!ended) out.write(`${resultToJson(r)}\n`);
    },
    gone(r: Result): void {
      if (!ended) out.write(`${resultToJson(r)}\n`);
    },
    end(_summary: Summary): Promise<void> {
      ended = true;
      return out.flush();
    },
  };
}
