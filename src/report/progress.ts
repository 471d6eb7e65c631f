import type { Result } from '../types.js';
import { formatRate, formatSeconds } from './format.js';

export interface Progress {
  /** Counts one finished result. Cheap: no drawing happens here. */
  tick(r: Result): void;
  /**
   * The number of targets known so far. `final` (the default) once the input has been read to
   * its end; before that the total is shown as growing (`1200/3400+`) and no bar, % or ETA.
   */
  setTotal(n: number, final?: boolean): void;
  /** Stops redrawing and erases the line if one was drawn. Safe to call twice. */
  stop(): void;
  /**
   * Erases the line now, if drawn, so something else can be written to the same terminal; it is
   * drawn again (below that) at the next redraw.
   */
  clear(): void;
}

export interface ProgressOptions {
  /** Number of targets, when known up front (final); shown as a count alone until then. */
  total?: number;
  /** Draw nothing for runs shorter than this, ms. @default 1000 */
  delayMs?: number;
  /** Redraw period, ms: the line is never redrawn more often. @default 200 */
  intervalMs?: number;
  /**
   * Draw nothing until the total is final: the targets are being typed on this same terminal
   * (`fetch-many -` with stdin a TTY), and a redraw would erase what the person is typing.
   * @default false
   */
  holdUntilInputEnds?: boolean;
}

export interface ProgressState {
  done: number;
  /** Targets known so far, or undefined when none are counted ahead (stdin). */
  total: number | undefined;
  /** True once the total can no longer grow. @default true when `total` is set */
  totalFinal?: boolean;
  failed: number;
  elapsedMs: number;
}

/** CR then "erase entire line" (ECMA-48 EL, `CSI 2 K`): redraw in place. */
const CLEAR = '\r\x1b[2K';
/** The bar's widest and narrowest: narrower than the minimum, it is left out. */
const BAR_MAX = 30;
const BAR_MIN = 6;

const NOOP: Progress = { tick() {}, setTotal() {}, stop() {}, clear() {} };

/**
 * A one-line progress indicator on a terminal, redrawn in place on an unref'd timer (at most
 * every `intervalMs`) so it never keeps the process alive:
 * - total known: `[#########.........] 1234/5000 24% · 96.0 req/s · 3 failed · ETA 0:39`;
 * - total still growing (a target file being counted): `1234/3400+ · 96.0 req/s · 3 failed · 12.8 s`;
 * - no total (stdin): `1234 done · 96.0 req/s · 3 failed · 12.8 s`.
 * Nothing at all when the stream is not a TTY (logs and pipes get no control sequences), and
 * nothing for runs that end before `delayMs`. Call `clear()` or `stop()` before writing anything
 * else to the same terminal.
 */
export function createProgress(stream: NodeJS.WriteStream, opts: ProgressOptions = {}): Progress {
  if (stream.isTTY !== true) return NOOP;
  const started = performance.now();
  let done = 0;
  let failed = 0;
  let total = opts.total;
  let totalFinal = opts.total !== undefined;
  let drawn = false;
  let stopped = false;
  let interval: NodeJS.Timeout | null = null;

  const draw = (): void => {
    if (opts.holdUntilInputEnds === true && !totalFinal) return;
    // One column short of the width: writing into the last column makes some terminals wrap,
    // and a wrapped line can no longer be erased with CR.
    const width = typeof stream.columns === 'number' && stream.columns > 1 ? stream.columns - 1 : 79;
    const line = formatProgress({ done, total, totalFinal, failed, elapsedMs: performance.now() - started }, width);
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
    setTotal(n: number, final = true): void {
      // A growing count never replaces a final one; the input's own end always does.
      if (totalFinal && !final) return;
      total = n;
      totalFinal = final;
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

/** The progress line's text (no control characters), at most `width` columns when given. */
export function formatProgress(s: ProgressState, width = Infinity): string {
  const rate = s.elapsedMs > 0 ? s.done / (s.elapsedMs / 1000) : 0;
  const failed = `${s.failed} failed`;
  if (s.total === undefined) {
    return [`${s.done} done`, formatRate(rate), failed, formatSeconds(s.elapsedMs)].join(' · ');
  }
  if (s.totalFinal === false) {
    return [`${s.done}/${s.total}+`, formatRate(rate), failed, formatSeconds(s.elapsedMs)].join(' · ');
  }
  const total = Math.max(s.total, s.done);
  const share = total === 0 ? 1 : s.done / total;
  const percent = `${Math.floor(share * 100)}%`;
  const eta = s.done === total ? 'ETA 0:00' : rate > 0 ? `ETA ${clock((total - s.done) / rate)}` : 'ETA --:--';
  const text = `${s.done}/${total} ${percent} · ${[formatRate(rate), failed, eta].join(' · ')}`;
  const barWidth = Math.min(BAR_MAX, width - text.length - 3);
  if (barWidth < BAR_MIN) return text;
  const filled = Math.floor(share * barWidth);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
}

/** Seconds as `m:ss`, or `h:mm:ss` from an hour. */
function clock(seconds: number): string {
  const t = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
