import type { Result } from '../types.js';
import type { Output } from './output.js';
import type { Reporter } from './reporter.js';
import { formatSummary, type Summary, wrapSummary } from './summary.js';

/**
 * Only the summary line at the end (`--quiet`-style runs, or next to a file report). On a
 * terminal it wraps between its parts at the terminal's width, as the table's does (the
 * terminal's own wrapping would break it mid-word); elsewhere it stays one line, for grep.
 */
export function createSummaryReporter(out: Output, opts: { color: boolean }): Reporter {
  let ended: Promise<void> | null = null;
  return {
    result(_r: Result): void {},
    end(summary: Summary): Promise<void> {
      ended ??= (() => {
        const width = out.columns;
        const text =
          width === undefined ? formatSummary(summary, opts.color) : wrapSummary(summary, opts.color, width).join('\n');
        out.write(`${text}\n`);
        return out.flush();
      })();
      return ended;
    },
  };
}
