import { Chalk, type ChalkInstance } from 'chalk';
import { originText } from './origin.js';
import type { Result } from '../types.js';
import { formatBytes, formatLatency } from './format.js';
import { shortenMiddle, truncateEnd, wrapWords } from './fit.js';
import type { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { displayWidth, sanitize } from './sanitize.js';
import { formatSummary, type Summary } from './summary.js';

export interface TableReporterOptions {
  /** Colour status and error cells (decided once by the CLI: TTY, NO_COLOR, --color). */
  color: boolean;
  /** Only list results that are not ok. The summary still counts everything. @default false */
  onlyFailures?: boolean;
  /** Where the summary line goes (may be the same Output as the table). */
  summaryOut: Output;
  /**
   * Line width in columns: no line is longer. @default the terminal's width when `out` is a
   * terminal, else {@link DEFAULT_WIDTH} (the CLI passes `COLUMNS` when set)
   */
  width?: number;
  /**
   * Called right before rows are written, e.g. to erase a progress line drawn on the same
   * terminal. Rows are then handed to a terminal at once rather than batched, so nothing can be
   * drawn between the two.
   */
  beforeRows?: () => void;
}

/** Width when stdout is not a terminal and `COLUMNS` is not set: wide enough for most URLs and errors in a CI log. */
export const DEFAULT_WIDTH = 160;
/** Narrower than this the table still never overflows, but only by cutting every column short. */
const MIN_WIDTH = 40;
const GAP = '  ';
/**
 * Fixed columns: `#`, status, bytes (`512 B`, `42.1 KiB`), time (`999 ms`, `12.3 s`). A cell
 * wider than its column (`#` past 999, `1023.9 KiB`) takes its extra columns from the target on
 * that row, so the line still fits.
 */
const NUM_WIDTH = 3;
const STATUS_WIDTH = 6;
const BYTES_WIDTH = 8;
const TIME_WIDTH = 6;
const FIXED = NUM_WIDTH + GAP.length + GAP.length + STATUS_WIDTH + GAP.length + BYTES_WIDTH + GAP.length + TIME_WIDTH;
/**
 * Errors go on the row only when the target still gets at least {@link MIN_INLINE_TARGET} columns
 * (about what it has at 80 columns with errors below, so a wider terminal never shows less of a
 * URL) and the error at least {@link MIN_INLINE_ERROR}; else on a line of their own below the row.
 * With these, errors sit beside their row from 121 columns up.
 */
const MIN_INLINE_TARGET = 48;
const MIN_INLINE_ERROR = 40;
/**
 * The target's share of the room beside the fixed columns when errors go on the row: a bit less
 * than half, because error messages run longer than most URLs and say why a CI job failed.
 */
const TARGET_SHARE = 0.45;

/** Placeholders in the reorder buffer: a row not shown (`--only-failures`), a cancelled target (counted). */
const HIDDEN = Symbol('hidden');
const CANCELLED = Symbol('cancelled');

interface Layout {
  width: number;
  target: number;
  /** Columns for the error on the row, or null: errors go on their own line under the row. */
  error: number | null;
}

/**
 * Computes the column widths once, from the line width alone, so rows can be printed as they
 * come without ever re-laying out what is already on screen (issue 9, item 3).
 */
function layout(width: number): Layout {
  const w = Math.max(MIN_WIDTH, width);
  const rest = w - FIXED;
  if (rest - GAP.length >= MIN_INLINE_TARGET + MIN_INLINE_ERROR) {
    const target = Math.max(MIN_INLINE_TARGET, Math.floor((rest - GAP.length) * TARGET_SHARE));
    return { width: w, target, error: rest - GAP.length - target };
  }
  return { width: w, target: Math.max(8, rest), error: null };
}

/**
 * The human table, streamed: one row per result, in input order, each printed as soon as every
 * earlier target has finished (a {@link ReorderBuffer} holds only what finished ahead of a slow
 * target), so a long run shows its table growing — on a terminal and into a pipe alike — and
 * memory never holds the rendered table.
 *
 * No line is wider than `width`: the columns are fixed up front from it; the target is cut in the
 * middle (scheme and host kept, then the end of the path: see {@link shortenMiddle}); the error
 * is cut at the end, and goes on its own line under the row when the width leaves no room beside
 * it; a row without an error ends after its time, so an empty error column takes no space; the
 * summary wraps between words.
 *
 * Cancelled targets (an interrupted run) are not listed one by one: they collapse into one line,
 * `… 412 targets cancelled`, before the summary — with `--only-failures` too.
 *
 * `#` is 1-based (the target's position as a person counts it, e.g. the line of a target file);
 * the machine formats carry the 0-based `index`. Every server- or user-controlled string goes
 * through {@link sanitize}, so nothing received can reach the terminal as an escape sequence.
 */
export function createTableReporter(out: Output, opts: TableReporterOptions): Reporter {
  const onlyFailures = opts.onlyFailures ?? false;
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const l = layout(opts.width ?? out.columns ?? DEFAULT_WIDTH);
  const immediate = out.columns !== undefined;
  let headerDone = false;
  let cancelled = 0;
  let ended: Promise<void> | null = null;

  const emit = (text: string): void => {
    opts.beforeRows?.();
    if (!headerDone) {
      headerDone = true;
      out.write(`${chalk.bold(headerLine(l))}\n`);
    }
    out.write(text);
    // On a terminal, hand the row over now: batching would let a progress line be drawn between.
    if (immediate) void out.flush().catch(() => undefined);
  };

  // Holds rendered rows (not Results) for targets that finished ahead of an earlier one: the
  // layout is fixed, so a row can be rendered the moment it arrives.
  const buffer = new ReorderBuffer<string | typeof HIDDEN | typeof CANCELLED>((row) => {
    if (row === CANCELLED) cancelled++;
    else if (row !== HIDDEN) emit(row);
  });

  return {
    result(r: Result): void {
      if (ended !== null) return;
      // A row that is not shown still takes its place in the order, or later rows would wait for it.
      const row = r.error?.code === 'cancelled' ? CANCELLED : onlyFailures && r.ok ? HIDDEN : renderRow(r, l, chalk);
      buffer.push(r.index, row);
    },

    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        buffer.finish();
        if (cancelled > 0) {
          opts.beforeRows?.();
          out.write(`${truncateEnd(`… ${cancelled} ${cancelled === 1 ? 'target' : 'targets'} cancelled`, l.width)}\n`);
        }
        const lines = wrapWords(formatSummary(summary, opts.color), l.width);
        opts.summaryOut.write(`${lines.join('\n')}\n`);
        await Promise.all(opts.summaryOut === out ? [out.flush()] : [out.flush(), opts.summaryOut.flush()]);
      })();
      return ended;
    },
  };
}

function headerLine(l: Layout): string {
  const head =
    padStart('#', NUM_WIDTH) +
    GAP +
    padEnd('target', l.target) +
    GAP +
    padStart('status', STATUS_WIDTH) +
    GAP +
    padStart('bytes', BYTES_WIDTH) +
    GAP +
    padStart('time', TIME_WIDTH);
  return l.error === null ? head : `${head}${GAP}error`;
}

/** One result as its line(s), newline included. */
function renderRow(r: Result, l: Layout, chalk: ChalkInstance): string {
  const num = String(r.index + 1);
  const status = r.status !== null ? String(r.status) : '-';
  const bytes = r.status === null && r.bytes === 0 ? '-' : formatBytes(r.bytes);
  const time = formatLatency(r.timings.total);
  // Cells wider than their column take their extra columns from the target, so the line still fits.
  const over =
    Math.max(0, num.length - NUM_WIDTH) +
    Math.max(0, status.length - STATUS_WIDTH) +
    Math.max(0, bytes.length - BYTES_WIDTH) +
    Math.max(0, time.length - TIME_WIDTH);
  const targetWidth = Math.max(1, l.target - over);
  // GET, the default, goes unsaid: its four columns are worth more to the URL.
  const label = r.name ?? (r.url === null ? r.input : r.method === 'GET' ? r.url : `${r.method} ${r.url}`);
  const target = shortenMiddle(sanitize(label), targetWidth);
  const line =
    padStart(num, NUM_WIDTH) +
    GAP +
    padEnd(target, targetWidth) +
    GAP +
    statusPaint(r, chalk)(padStart(status, STATUS_WIDTH)) +
    GAP +
    padStart(bytes, BYTES_WIDTH) +
    GAP +
    padStart(time, TIME_WIDTH);
  const problem =
    r.error !== null
      ? `${r.error.code}: ${r.error.message}`
      : r.failures.length > 0
        ? r.failures.join('; ')
        : r.ok
          ? ''
          : 'not ok';
  if (problem === '') return `${line}\n`;
  // Where a failed link was found (--links, --crawl), compiler style: `docs/a.md:3: status 404 …`.
  const where = originText(r);
  const shown = sanitize(where === null ? problem : `${where}: ${problem}`);
  if (l.error !== null) return `${line}${GAP}${chalk.red(truncateEnd(shown, l.error))}\n`;
  // Under the row, indented to the target column.
  const indent = NUM_WIDTH + GAP.length;
  return `${line}\n${' '.repeat(indent)}${chalk.red(truncateEnd(`↳ ${shown}`, l.width - indent))}\n`;
}

function padStart(text: string, width: number): string {
  const gap = width - displayWidth(text);
  return gap > 0 ? ' '.repeat(gap) + text : text;
}

function padEnd(text: string, width: number): string {
  const gap = width - displayWidth(text);
  return gap > 0 ? text + ' '.repeat(gap) : text;
}

/** 2xx green, 3xx cyan, 4xx yellow, 5xx and any error red. */
function statusPaint(r: Result, chalk: ChalkInstance): (s: string) => string {
  const s = r.status;
  if (r.error !== null || s === null || s >= 500) return chalk.red;
  if (s >= 400) return chalk.yellow;
  if (s >= 300) return chalk.cyan;
  if (s >= 200) return chalk.green;
  return (t) => t;
}
