import type { Result } from '../types.js';
import type { Output } from './output.js';
import type { Reporter } from './reporter.js';
import { formatSummary, type Summary } from './summary.js';

/** Only the summary line at the end (`--quiet`-style runs, or next to a file report). */
export function createSummaryReporter(out: Output, opts: { color: boolean }): Reporter {
  let ended: Promise<void> | null = null;
  return {
    result(_r: Result): void {},
    end(summary: Summary): Promise<void> {
      ended ??= (() => {
        out.write(`${formatSummary(summary, opts.color)}\n`);
        return out.flush();
      })();
      return ended;
    },
  };
}
