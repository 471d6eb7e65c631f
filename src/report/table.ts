import { Chalk, type ChalkInstance } from 'chalk';
import type { ErrorCode, Result } from '../types.js';
import { formatBytes, formatMsNumber } from './format.js';
import { renderGrid, type GridColumn } from './grid.js';
import type { Output } from './output.js';
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
  /** Table width in columns. @default the terminal width, or 200 when not a terminal */
  width?: number;
}

/** What a row needs, kept instead of the whole Result. */
interface Row {
  index: number;
  target: string;
  status: number | null;
  code: ErrorCode | null;
  bytes: number;
  ms: number;
  /** The error message, or the failed expectations joined with "; ". */
  problem: string;
}

const COLUMN_COUNT = 6;
/** `│` before each column and at the end, plus one space of padding on each side of a cell. */
const FRAME = COLUMN_COUNT * 3 + 1;
const MIN_TEXT = 16;
/**
 * Width when stdout is not a terminal (CI logs, files): logs scroll sideways, and an error cut
 * short is worse than a long line — the error column is the reason a CI job failed.
 */
const DEFAULT_WIDTH = 200;

/**
 * Prints a table at the end of the run, one row per result in input order.
 *
 * The table holds every row until the end (results arrive in completion order and are sorted by
 * index then), so memory grows with the number of targets: use ndjson/csv for huge runs. Each
 * row keeps only the few strings and numbers it shows.
 *
 * `#` is 1-based (the target's position as a person counts it, e.g. the line of a target file);
 * the machine formats carry the 0-based `index`.
 *
 * Every server- or user-controlled string (target, error, failures) goes through
 * {@link sanitize}, so nothing received can reach the terminal as an escape sequence.
 */
export function createTableReporter(out: Output, opts: TableReporterOptions): Reporter {
  const rows: Row[] = [];
  const onlyFailures = opts.onlyFailures ?? false;
  const chalk = new Chalk({ level: opts.color ? 1 : 0 });
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended !== null || (onlyFailures && r.ok)) return;
      rows.push({
        index: r.index,
        target: r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`),
        status: r.status,
        code: r.error?.code ?? null,
        bytes: r.bytes,
        ms: r.timings.total,
        problem: r.error !== null ? r.error.message : r.failures.length > 0 ? r.failures.join('; ') : '',
      });
    },

    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        if (rows.length > 0) {
          rows.sort((a, b) => a.index - b.index);
          out.write(renderRows(rows, opts.width ?? out.columns ?? DEFAULT_WIDTH, chalk, opts.color));
        }
        opts.summaryOut.write(`${formatSummary(summary, opts.color)}\n`);
        await Promise.all(opts.summaryOut === out ? [out.flush()] : [out.flush(), opts.summaryOut.flush()]);
      })();
      return ended;
    },
  };
}

function renderRows(rows: readonly Row[], width: number, chalk: ChalkInstance, color: boolean): string {
  const count = rows.length;
  const ns = new Array<string>(count);
  const statuses = new Array<string>(count);
  const bytes = new Array<string>(count);
  const times = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    ns[i] = String(row.index + 1);
    statuses[i] = row.status !== null ? String(row.status) : (row.code ?? '-');
    bytes[i] = row.status === null && row.bytes === 0 ? '-' : formatBytes(row.bytes);
    times[i] = `${formatMsNumber(row.ms)} ms`;
  }
  const fixedWidth =
    maxLength(ns, 1) +
    maxLength(statuses, 'status'.length) +
    maxLength(bytes, 'bytes'.length) +
    maxLength(times, 'time'.length);

  // Whatever the fixed columns leave goes to target and error: the target may take half when
  // there are errors to show, all of it otherwise; the error column gets the rest.
  const room = Math.max(2 * MIN_TEXT, width - FRAME - fixedWidth);
  const hasProblems = rows.some((r) => r.problem !== '');
  const targetMax = Math.max(MIN_TEXT, hasProblems ? Math.floor(room / 2) : room);
  const targets = rows.map((r) => sanitize(r.target, targetMax));
  let targetWidth = 'target'.length;
  for (const t of targets) targetWidth = Math.max(targetWidth, displayWidth(t));
  const problemMax = Math.max(MIN_TEXT, room - targetWidth);
  const problems = rows.map((r) => (r.problem === '' ? '' : sanitize(r.problem, problemMax)));

  const columns: GridColumn[] = [
    { title: '#', align: 'right', cells: ns },
    { title: 'target', align: 'left', cells: targets },
    { title: 'status', align: 'right', cells: statuses },
    { title: 'bytes', align: 'right', cells: bytes },
    { title: 'time', align: 'right', cells: times },
    { title: 'error', align: 'left', cells: problems },
  ];
  if (color) {
    columns[2]!.paint = (text, i) => statusPaint(rows[i]!, chalk)(text);
    columns[5]!.paint = (text) => chalk.red(text);
  }
  return renderGrid(columns, color ? (s) => chalk.bold(s) : undefined);
}

function maxLength(cells: readonly string[], min: number): number {
  let w = min;
  for (const c of cells) if (c.length > w) w = c.length;
  return w;
}

/** 2xx green, 3xx cyan, 4xx yellow, 5xx and any error red. */
function statusPaint(row: Row, chalk: ChalkInstance): (s: string) => string {
  const s = row.status;
  if (row.code !== null || s === null || s >= 500) return chalk.red;
  if (s >= 400) return chalk.yellow;
  if (s >= 300) return chalk.cyan;
  if (s >= 200) return chalk.green;
  return (t) => t;
}
