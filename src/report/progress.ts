import type { Result } from '../types.js';
import { formatRate, formatSeconds } from './format.js';

export interface Progress {
  /** Counts one finished result. Cheap: no drawing happens here. */
  tick(r: Result): void;
  /** The number of targets, once known (e.g. after stdin ended). */
  setTotal(n: number): void;
  /** Stops redrawing and erases the line if one was drawn. Safe to call twice. */
  stop(): void;
  /**
   * Erases the line now, if drawn, so something else can be written to the same terminal; it is
   * drawn again (below that) at the next redraw.
   */
  clear(): void;
}

export interface ProgressOptions {
  /** Number of targets, when known up front; shown as `?` until then. */
  total?: number;
  /** Draw nothing for runs shorter than this, ms. @default 1000 */
  delayMs?: number;
  /** Redraw period, ms. @default 200 */
  intervalMs?: number;
}

export interface ProgressState {
  done: number;
  total: number | undefined;
  failed: number;
  elapsedMs: number;
}

/** CR then "erase entire line" (ECMA-48 EL, `CSI 2 K`): redraw in place. */
const CLEAR = '\r\x1b[2K';

const NOOP: Progress = { tick() {}, setTotal() {}, stop() {}, clear() {} };

/**
 * A one-line progress indicator on a terminal: `123/1000 · 45.6 req/s · 3 failed · 2.70 s`,
 * redrawn in place on an unref'd timer so it never keeps the process alive. Nothing at all when
 * the stream is not a TTY (logs and pipes get no control sequences), and nothing for runs that
 * end before `delayMs`. Call `stop()` before writing anything else to the same terminal.
 */
export function createProgress(stream: NodeJS.WriteStream, opts: ProgressOptions = {}): Progress {
  if (stream.isTTY !== true) return NOOP;
  const started = performance.now();
  let done = 0;
  let failed = 0;
  let total = opts.total;
  let drawn = false;
  let stopped = false;
  let interval: NodeJS.Timeout | null = null;

  const draw = (): void => {
    const line = formatProgress({ done, total, failed, elapsedMs: performance.now() - started });
    // One column short of the width: writing into the last column makes some terminals wrap,
    // and a wrapped line can no longer be erased with CR.
    const width = typeof stream.columns === 'number' && stream.columns > 1 ? stream.columns - 1 : 79;
    stream.write(CLEAR + line.slice(0, width));
    drawn = true;
  };

  const delay = setTimeout(() => {
    draw();
    interval = setInterval(draw, opts.intervalMs ?? 200);
    interval.unref();
  }, opts.delayMs ?? 1000);
  delay.unref();

  return {
    tick(r: Result): void {
      done++;
      if (!r.ok) failed++;
    },
    setTotal(n: number): void {
      total = n;
    },
    clear(): void {
      if (drawn) {
        stream.write(CLEAR);
        drawn = false;
      }
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      clearTimeout(delay);
      if (interval !== null) clearInterval(interval);
      if (drawn) stream.write(CLEAR);
    },
  };
}

/** The progress line's text (no control characters). */
export function formatProgress(s: ProgressState): string {
  const rate = s.elapsedMs > 0 ? s.done / (s.elapsedMs / 1000) : 0;
  return [`${s.done}/${s.total ?? '?'}`, formatRate(rate), `${s.failed} failed`, formatSeconds(s.elapsedMs)].join(
    ' · ',
  );
}
