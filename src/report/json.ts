import type { Result } from '../types.js';
import type { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { resultToJson } from './result-json.js';
import { escapeJsonControls } from '../controls.js';
import type { Summary } from './summary.js';

/**
 * One JSON document: `{"results":[…],"summary":{…}}` plus a final newline. Compact, with one
 * result per line inside the array so it is still greppable.
 *
 * Results are written in input order as soon as the contiguous prefix is complete (see
 * {@link ReorderBuffer}), so a long run does not hold every result in memory. The closing part is
 * written by `end()`, which the CLI calls on cancel too, so the document is valid JSON even when
 * some indexes are missing.
 */
export function createJsonReporter(out: Output): Reporter {
  let count = 0;
  const buffer = new ReorderBuffer<string>((json) => {
    out.write((count === 0 ? '{"results":[\n' : ',\n') + json);
    count++;
  });
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended === null) buffer.push(r.index, resultToJson(r));
    },
    gone(r: Result): void {
      // After every result: their order is complete, so what is held comes out first.
      if (ended !== null) return;
      buffer.finish();
      out.write((count === 0 ? '{"results":[\n' : ',\n') + resultToJson(r));
      count++;
    },
    end(summary: Summary): Promise<void> {
      ended ??= (() => {
        buffer.finish();
        out.write(
          `${count === 0 ? '{"results":[' : '\n'}],\n"summary":${escapeJsonControls(JSON.stringify(summary))}}\n`,
        );
        return out.flush();
      })();
      return ended;
    },
  };
}
