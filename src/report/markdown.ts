import type { Result } from '../types.js';
import { escapeTextControls } from '../controls.js';
import { earlierAttempts } from './attempts.js';
import { shortenMiddle } from './fit.js';
import type { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { formatSummary, type Summary } from './summary.js';

/**
 * Failures listed at most: a GitHub step summary holds at most 1 MiB per step, and a table of
 * thousands of rows is read by nobody. The rest are counted in one line under the table.
 */
export const MARKDOWN_MAX_ROWS = 500;
/** Placeholders in the reorder buffer for results that get no row. */
const OK = Symbol('ok');
const CANCELLED = Symbol('cancelled');
/** A failed row that is new against the baseline (`change: "new-failure"`): listed first. */
const NEW = '+';
/** A flaky target's row, listed in its own table. */
interface FlakyRow {
  flaky: string;
}
/**
 * Target cell width in characters (before escaping): a long URL stays one readable row. The
 * reason is never cut: it is what the reader came for.
 */
const TARGET_CHARS = 120;

/**
 * The Markdown report (`--markdown`, and the GitHub step summary): a heading, the summary line,
 * and a table of the failed targets in input order, then one line for the failures past
 * {@link MARKDOWN_MAX_ROWS} and one for cancelled targets (an interrupted run), which are never
 * listed one by one; then, apart, a table of the flaky targets (ok only after retries) with what
 * their earlier attempts ran into, as many at most. Holds at most that many rows of each,
 * whatever the run's size.
 */
export class MarkdownCollector {
  readonly #rows: string[] = [];
  /** Rows of new failures (with a baseline): the report leads with them. */
  readonly #newRows: string[] = [];
  readonly #gone: string[] = [];
  readonly #flaky: string[] = [];
  readonly #maxRows: number;
  #more = 0;
  #moreNew = 0;
  #moreGone = 0;
  #moreFlaky = 0;
  #cancelled = 0;
  /** Results waiting for an earlier target, kept as their rendered row (or a mark). */
  readonly #buffer = new ReorderBuffer<string | FlakyRow | typeof OK | typeof CANCELLED>((row) => {
    if (row === OK) return;
    if (row === CANCELLED) this.#cancelled++;
    else if (typeof row !== 'string') {
      if (this.#flaky.length < this.#maxRows) this.#flaky.push(row.flaky);
      else this.#moreFlaky++;
    } else if (row.startsWith(NEW)) {
      if (this.#newRows.length + this.#rows.length < this.#maxRows) this.#newRows.push(row.slice(NEW.length));
      else this.#moreNew++;
    } else if (this.#newRows.length + this.#rows.length < this.#maxRows) this.#rows.push(row);
    else this.#more++;
  });

  constructor(maxRows = MARKDOWN_MAX_ROWS) {
    this.#maxRows = maxRows;
  }

  add(r: Result): void {
    // Ok results still take their place in the order, or later rows would wait for them.
    this.#buffer.push(
      r.index,
      r.flaky === true
        ? { flaky: flakyRow(r) }
        : r.ok
          ? OK
          : r.error?.code === 'cancelled'
            ? CANCELLED
            : r.change === 'new-failure'
              ? NEW + markdownRow(r)
              : markdownRow(r),
    );
  }

  /** A baseline target this run did not have: listed under "Gone", after the failures. */
  gone(r: Result): void {
    this.#buffer.finish();
    if (this.#gone.length < this.#maxRows) this.#gone.push(markdownRow(r, 'gone'));
    else this.#moreGone++;
  }

  /** The whole document; call once, at the end. */
  render(summary: Summary): string {
    this.#buffer.finish();
    const lines = ['### fetch-many', '', mdText(formatSummary(summary, false)), ''];
    const head = ['| # | target | status | error |', '|--:|:--|--:|:--|'];
    const withBaseline = summary.changes !== undefined;
    // With a baseline, what broke since last time comes first: that is what a reviewer acts on.
    if (this.#newRows.length > 0) lines.push('#### New failures', '', ...head, ...this.#newRows, '');
    if (this.#moreNew > 0) lines.push(`… and ${this.#moreNew} more new failures, not listed.`, '');
    if (this.#rows.length > 0) {
      if (withBaseline) lines.push('#### Still failing', '');
      lines.push(...head, ...this.#rows, '');
    }
    if (this.#more > 0) lines.push(`… and ${this.#more} more failed targets, not listed.`, '');
    if (this.#gone.length > 0) {
      lines.push('#### Gone (in the baseline, not in this run)', '', ...head, ...this.#gone, '');
    }
    if (this.#moreGone > 0) lines.push(`… and ${this.#moreGone} more gone targets, not listed.`, '');
    if (this.#cancelled > 0) {
      lines.push(`… ${this.#cancelled} ${this.#cancelled === 1 ? 'target' : 'targets'} cancelled.`, '');
    }
    if (this.#flaky.length > 0) {
      lines.push(
        '#### Flaky: ok after retries',
        '',
        '| # | target | attempts | earlier attempts |',
        '|--:|:--|--:|:--|',
        ...this.#flaky,
        '',
      );
    }
    if (this.#moreFlaky > 0) lines.push(`… and ${this.#moreFlaky} more flaky targets, not listed.`, '');
    return `${lines.join('\n')}`;
  }
}

/** `--markdown`: the same document as the step summary, on stdout at the end. */
export function createMarkdownReporter(out: Output, maxRows = MARKDOWN_MAX_ROWS): Reporter {
  const collector = new MarkdownCollector(maxRows);
  let ended: Promise<void> | null = null;
  return {
    result(r: Result): void {
      if (ended === null) collector.add(r);
    },
    gone(r: Result): void {
      if (ended === null) collector.gone(r);
    },
    end(summary: Summary): Promise<void> {
      ended ??= (() => {
        out.write(collector.render(summary));
        return out.flush();
      })();
      return ended;
    },
  };
}

function markdownRow(r: Result, note?: string): string {
  const target = shortenMiddle(r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`), TARGET_CHARS);
  const status = r.status === null ? '-' : String(r.status);
  const problem =
    note ??
    (r.error !== null
      ? `${r.error.code}: ${r.error.message}`
      : r.failures.length > 0
        ? r.failures.join('; ')
        : 'not ok');
  return `| ${r.index + 1} | ${mdText(target)} | ${status} | ${mdText(problem)} |`;
}

function flakyRow(r: Result): string {
  const target = shortenMiddle(r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`), TARGET_CHARS);
  const earlier = earlierAttempts(r).map((line) => mdText(line));
  return `| ${r.index + 1} | ${mdText(target)} | ${r.attempts} | ${earlier.join('<br>')} |`;
}

/**
 * Text for a Markdown table cell or paragraph: controls shown as `\u009b` (never raw, see
 * controls.ts), line breaks as spaces (a cell is one line), HTML's `& < >` as entities (GitHub
 * would otherwise take `<img …>` from a server's message as markup), and Markdown's own
 * punctuation backslash-escaped (CommonMark §2.4: any ASCII punctuation may be), `|` included so
 * a cell cannot end early (GFM tables).
 */
export function mdText(text: string): string {
  return escapeTextControls(text.replace(/[\t\r\n]+/g, ' '))
    .replace(/[\\`*_{}[\]()#+!|~]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}
