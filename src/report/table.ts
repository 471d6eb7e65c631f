import { Chalk, type ChalkInstance } from 'chalk';
import { originText } from './origin.js';
import type { Result } from '../types.js';
import { earlierAttempts, flakyText } from './attempts.js';
import { formatBytes, formatLatency } from './format.js';
import { shortenMiddle, truncateEnd, wrapText } from './fit.js';
import type { Output } from './output.js';
import { includedHeadLines } from './heads.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { displayWidth, sanitize } from './sanitize.js';
import { type Summary, wrapSummary } from './summary.js';

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
  /**
   * Called with each target's index as its row takes its place in the output, in input order (a
   * row not shown included): `-v` writes that target's heads right after it.
   */
  afterRow?: (index: number) => void;
  /**
   * A reason wider than the line wraps onto further lines under its row (a person at a
   * terminal); else it is printed whole on its `↳` line, however long (a CI log, a file: whatever
   * reads it gets every word). Never cut with `…` either way. @default `out` is a terminal
   */
  wrapReasons?: boolean;
  /**
   * A failed row's reason starts with where its target was found, compiler style
   * (`docs/a.md:3: status 404 …`, or `linked from …`): set for targets found in pages, files
   * and sitemaps (`--links`, `--crawl`, `--sitemap`). A target list's rows are numbered already,
   * so their file and line would only push the reason off its row — except an `invalid_target`'s,
   * whose line is the one to edit (always shown). @default false
   */
  showOrigin?: boolean;
  /**
   * Labels of the targets known before any result (URLs given as arguments): the target column
   * is sized to them as well as to the first results.
   */
  knownTargets?: readonly string[];
  /**
   * The target column is as wide as the widest target among the first this-many results (and
   * {@link knownTargets}), within the width. Rows wait until the window closes. @default 100
   */
  sizingWindow?: number;
  /** The window closes at the latest this long after its first result, ms. @default 250 */
  sizingWindowMs?: number;
  /**
   * The terminal's rows. When set, and more targets than this are known
   * ({@link targetsKnown}), ok rows are counted instead of listed: failures and flaky rows stay
   * on screen and one line says how many ok rows were not shown (`--all-rows` leaves this unset).
   */
  screenRows?: number;
  /** Targets known so far (read from the input, or the final total). @default results seen */
  targetsKnown?: () => number;
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
/** An ok row left out because the screen cannot hold every row (see {@link TableReporterOptions.screenRows}). */
const OK_NOT_SHOWN = Symbol('ok not shown');

interface Layout {
  width: number;
  target: number;
  /** Columns for the error on the row, or null: errors go on their own line under the row. */
  error: number | null;
}

/** The header's own word: the target column is never narrower. */
const TARGET_HEAD = 'target';

/**
 * Computes the column widths once, from the line width and the widest target of the sizing
 * window, so rows can be printed as they come without ever re-laying out what is already on
 * screen. The target column is as wide as its widest target (30-character URLs were once
 * padded to 89 columns at 120); what is left goes to the error beside
 * the row when that leaves it at least {@link MIN_INLINE_ERROR} columns. A reason that does not
 * fit beside its row goes under it.
 */
function layout(width: number, widest: number): Layout {
  const w = Math.max(MIN_WIDTH, width);
  const rest = w - FIXED;
  const wanted = Math.max(TARGET_HEAD.length, widest);
  if (wanted + GAP.length + MIN_INLINE_ERROR <= rest) {
    return { width: w, target: wanted, error: rest - GAP.length - wanted };
  }
  if (rest - GAP.length >= MIN_INLINE_TARGET + MIN_INLINE_ERROR) {
    const target = Math.max(MIN_INLINE_TARGET, Math.floor((rest - GAP.length) * TARGET_SHARE));
    return { width: w, target, error: rest - GAP.length - target };
  }
  return { width: w, target: Math.max(8, Math.min(wanted, rest)), error: null };
}

/**
 * The human table, streamed: one row per result, in input order, each printed as soon as every
 * earlier target has finished (a {@link ReorderBuffer} holds only what finished ahead of a slow
 * target), so a long run shows its table growing — on a terminal and into a pipe alike — and
 * memory never holds the rendered table.
 *
 * The columns are fixed once, after a short window of the first results (at most
 * {@link TableReporterOptions.sizingWindow} results or {@link TableReporterOptions.sizingWindowMs}):
 * the target column is as wide as the widest target seen there and among the targets known up
 * front, within the width. No line is wider than `width`, except a reason off a terminal, which
 * is printed whole: the target is cut in the middle (scheme and host kept, then the end of the
 * URL: see {@link shortenMiddle}); a reason goes beside its row when it fits there, else under
 * it on a `↳` line — wrapped between words at the width on a terminal, whole elsewhere, never
 * cut; a row without an error ends after its time, so an empty error column takes no space; the
 * summary wraps between its parts.
 *
 * Cancelled targets (an interrupted run) are not listed one by one: they collapse into one line,
 * `… 412 targets cancelled`, before the summary — with `--only-failures` too. On a terminal with
 * {@link TableReporterOptions.screenRows}, ok rows past the screen's worth of targets collapse
 * the same way, `… 4,990 ok rows not shown`, so the failures stay on the last screen.
 *
 * `#` is 1-based (the target's position as a person counts it, e.g. the line of a target file);
 * the machine formats carry the 0-based `index`. Every server- or user-controlled string goes
 * through {@link sanitize}, so nothing received can reach the terminal as an escape sequence.
 */
export function createTableReporter(out: Output, opts: TableReporterOptions): Reporter {
  const onlyFailures = opts.onlyFailures ?? false;
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  const width = opts.width ?? out.columns ?? DEFAULT_WIDTH;
  const immediate = out.columns !== undefined;
  const wrap = opts.wrapReasons ?? immediate;
  const origin = opts.showOrigin ?? false;
  const windowSize = opts.sizingWindow ?? 100;
  let seen = 0;
  const known = (): number => Math.max(seen, opts.targetsKnown?.() ?? 0);
  let l: Layout | null = null;
  /** Results held while the sizing window is open (at most {@link TableReporterOptions.sizingWindow}). */
  let held: Result[] = [];
  let windowTimer: NodeJS.Timeout | null = null;
  let headerDone = false;
  let cancelled = 0;
  let okNotShown = 0;
  let ended: Promise<void> | null = null;

  const emit = (text: string): void => {
    opts.beforeRows?.();
    if (!headerDone && l !== null) {
      headerDone = true;
      out.write(`${chalk.bold(headerLine(l))}\n`);
    }
    out.write(text);
    // On a terminal, hand the row over now: batching would let a progress line be drawn between.
    if (immediate) void out.flush().catch(() => undefined);
  };

  // Holds rendered rows (not Results) for targets that finished ahead of an earlier one: the
  // layout is fixed by then, so a row can be rendered the moment it arrives.
  type Row = string | typeof HIDDEN | typeof CANCELLED | typeof OK_NOT_SHOWN;
  const afterRow = opts.afterRow;
  const buffer = new ReorderBuffer<{ index: number; row: Row }>(({ index, row }) => {
    if (row === CANCELLED) cancelled++;
    else if (row === OK_NOT_SHOWN) okNotShown++;
    else if (row !== HIDDEN) emit(row);
    afterRow?.(index);
  });

  const place = (r: Result, fixed: Layout): void => {
    // A row that is not shown still takes its place in the order, or later rows would wait for it.
    let row: Row;
    if (r.error?.code === 'cancelled') row = CANCELLED;
    else if (onlyFailures && r.ok) row = HIDDEN;
    else if (r.ok && r.attempts <= 1 && opts.screenRows !== undefined && known() > opts.screenRows) row = OK_NOT_SHOWN;
    else row = renderRow(r, fixed, chalk, wrap, origin) + includedHeadLines(r, fixed.width);
    buffer.push(r.index, { index: r.index, row });
  };

  const closeWindow = (): void => {
    if (l !== null) return;
    if (windowTimer !== null) clearTimeout(windowTimer);
    let widest = 0;
    for (const label of opts.knownTargets ?? []) widest = Math.max(widest, displayWidth(sanitize(label)));
    for (const r of held) if (r.error?.code !== 'cancelled') widest = Math.max(widest, labelWidth(r));
    l = layout(width, widest);
    const fixed = l;
    const rows = held;
    held = [];
    for (const r of rows) place(r, fixed);
  };

  return {
    result(r: Result): void {
      if (ended !== null) return;
      seen++;
      if (l !== null) {
        place(r, l);
        return;
      }
      held.push(r);
      if (held.length >= windowSize) closeWindow();
      else if (windowTimer === null) {
        windowTimer = setTimeout(closeWindow, opts.sizingWindowMs ?? 250);
        windowTimer.unref();
      }
    },

    gone(r: Result): void {
      if (ended !== null) return;
      closeWindow();
      buffer.finish();
      emit(renderRow(r, l ?? layout(width, 0), chalk, wrap, origin));
    },

    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        closeWindow();
        buffer.finish();
        const fixed = l ?? layout(width, 0);
        const tail: string[] = [];
        if (okNotShown > 0)
          tail.push(`… ${okNotShown} ok ${okNotShown === 1 ? 'row' : 'rows'} not shown (--all-rows lists them)`);
        if (cancelled > 0) tail.push(`… ${cancelled} ${cancelled === 1 ? 'target' : 'targets'} cancelled`);
        if (tail.length > 0) {
          opts.beforeRows?.();
          for (const line of tail) out.write(`${truncateEnd(line, fixed.width)}\n`);
        }
        const lines = wrapSummary(summary, opts.color, fixed.width);
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
    padEnd(TARGET_HEAD, l.target) +
    GAP +
    padStart('status', STATUS_WIDTH) +
    GAP +
    padStart('bytes', BYTES_WIDTH) +
    GAP +
    padStart('time', TIME_WIDTH);
  return l.error === null ? head : `${head}${GAP}error`;
}

/** What the target column shows for a result: its name, else the URL (GET unsaid), else its input. */
function targetLabel(r: Result): string {
  // GET, the default, goes unsaid: its four columns are worth more to the URL.
  return r.name ?? (r.url === null ? r.input : r.method === 'GET' ? r.url : `${r.method} ${r.url}`);
}

function labelWidth(r: Result): number {
  return changeMark(r).length + displayWidth(sanitize(targetLabel(r)));
}

/** `[new failure] `, `[cached] `…: what a baseline or the cache says of a row, before its target. */
function changeMark(r: Result): string {
  return (r.change === undefined ? '' : CHANGE_MARK[r.change]) + (r.cached === true ? '[cached] ' : '');
}

/** Columns a `↳` line is indented by: under the target column. */
const BELOW_INDENT = NUM_WIDTH + GAP.length;
const ARROW = '↳ ';

/**
 * Lines under a row, one `↳` item each (a reason; more kinds of note may follow), newline
 * included. Off a terminal (`wrap` false) each item is one line, whole, however long. On a
 * terminal an item wider than the line wraps between words (a word wider than a line is cut),
 * its continuation lines indented under the item's text, so every `↳` starts a new item.
 */
export function belowRow(items: readonly string[], width: number, paint: (s: string) => string, wrap: boolean): string {
  const indent = ' '.repeat(BELOW_INDENT);
  let text = '';
  for (const item of items) {
    if (!wrap) {
      text += `${indent}${paint(`${ARROW}${item}`)}\n`;
      continue;
    }
    const lines = wrapText(item, Math.max(8, width - BELOW_INDENT - ARROW.length));
    for (const [i, line] of lines.entries()) {
      text += `${indent}${paint(`${i === 0 ? ARROW : ' '.repeat(ARROW.length)}${line}`)}\n`;
    }
  }
  return text;
}

/** One result as its line(s), newline included. */
function renderRow(r: Result, l: Layout, chalk: ChalkInstance, wrap: boolean, origin: boolean): string {
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
  const mark = changeMark(r);
  const target = mark + shortenMiddle(sanitize(targetLabel(r)), Math.max(1, targetWidth - mark.length));
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
        : r.flaky === true
          ? flakyText(r)
          : r.ok
            ? ''
            : 'not ok';
  if (problem === '') return `${line}\n`;
  const paint = r.ok ? chalk.yellow : chalk.red;
  // Where a failed link was found (--links, --crawl), compiler style: `docs/a.md:3: status 404 …`.
  // An invalid target says where it is written whatever the input: that line is what to edit.
  const where = r.ok || !(origin || r.error?.code === 'invalid_target') ? null : originText(r);
  const shown = sanitize(where === null ? problem : `${where}: ${problem}`);
  // A flaky target: what each earlier attempt ran into, one `↳` item each.
  const earlier = r.flaky === true ? earlierAttempts(r).map((text) => sanitize(text)) : [];
  // Beside the row when it fits there whole; else under it, never cut: it is what the reader came for.
  if (l.error !== null && displayWidth(shown) <= l.error) {
    return `${line}${GAP}${paint(shown)}\n${belowRow(earlier, l.width, paint, wrap)}`;
  }
  return `${line}\n${belowRow([shown, ...earlier], l.width, paint, wrap)}`;
}

/**
 * What the table says of a result's `change` (`--baseline`), before its target: the changes
 * only; a target that failed before and still fails, or was and is ok, is not marked.
 */
const CHANGE_MARK: Record<NonNullable<Result['change']>, string> = {
  'new-failure': '[new failure] ',
  'still-failing': '',
  fixed: '[fixed] ',
  ok: '',
  new: '[new] ',
  gone: '[gone] ',
};

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
