import { Chalk, type ChalkInstance } from 'chalk';
import { visibleWidth, wrapWords } from './fit.js';
import type { Result } from '../types.js';
import { formatBytes, formatLatency, formatRate, formatSeconds } from './format.js';
import { LatencyHistogram } from './histogram.js';
import { type ChangeCounts, formatChanges, noChanges } from './changes.js';

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** Latency percentiles in milliseconds (see {@link Summary.latency}). */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Totals for a run: what the summary line prints and what the CLI bases its exit code on. */
export interface Summary {
  /** Results seen (one per target that finished or was cancelled). */
  total: number;
  ok: number;
  /** Of the `ok` results, those that needed more than one attempt ({@link Result.flaky}). */
  flaky: number;
  /** `total - ok`. */
  failed: number;
  /** Results with a final status, by class. Statuses outside 100–599 are not counted here. */
  byStatusClass: Record<StatusClass, number>;
  /**
   * Failed results by cause: the error code (`timeout`, `refused`, …, including `cancelled`), or
   * `expectation` for a response that arrived but failed an expectation.
   */
  byError: Record<string, number>;
  /** Body bytes received, over all results. */
  bytes: number;
  /** Wall-clock duration of the run, ms. */
  wallMs: number;
  /** `total / wall seconds` (0 for a zero-length run). */
  rps: number;
  /**
   * Percentiles of `timings.total` over results that got a response head (`status !== null`),
   * ok or not: a 404 or a failed expectation is still a measured round trip, while a refused
   * connection or a timeout would only measure our own timeout setting. Within 0.4 % (see
   * {@link LatencyHistogram}); `max` is exact. Null when no result got a response.
   */
  latency: LatencySummary | null;
  /** Results with error code `cancelled` (also counted in `byError`). */
  cancelled: number;
  /**
   * Results that got a response head, by the HTTP version it came in: `"1.0"`, `"1.1"`, `"2"`.
   * Only versions seen are present (`{}` when no response arrived).
   */
  byHttpVersion: Record<string, number>;
  /**
   * With a baseline (`--baseline`, `diff`): results by `change`, and `gone` baseline targets this
   * run did not have (not counted in `total`). Absent without a baseline.
   */
  changes?: ChangeCounts;
  /** Results taken from `--cache` rather than fetched (counted in `total`, in no percentile). Absent without a cache. */
  cached?: number;
}

/** Machine reports carry 10 µs resolution, like the per-result timings: more digits would be noise. */
const round2 = (ms: number): number => Math.round(ms * 100) / 100;

/** Folds results into a {@link Summary} in constant memory. */
export class SummaryCollector {
  #total = 0;
  #ok = 0;
  #flaky = 0;
  #bytes = 0;
  #cancelled = 0;
  readonly #byStatus = [0, 0, 0, 0, 0];
  readonly #byError = new Map<string, number>();
  /** HTTP/1.0, 1.1 and 2, in that order: three counters, not a map, on the per-result path. */
  readonly #byVersion = [0, 0, 0];
  readonly #latency = new LatencyHistogram();
  readonly #changes: ChangeCounts | null;
  #cached: number | null;

  /** `changes`: count results by `change` (a baseline was given); `cached`: count cached results. */
  constructor(opts: { changes?: boolean; cached?: boolean } = {}) {
    this.#changes = opts.changes === true ? noChanges() : null;
    this.#cached = opts.cached === true ? 0 : null;
  }

  /** A baseline target this run did not have: counted in `changes.gone` only. */
  addGone(): void {
    if (this.#changes !== null) this.#changes.gone++;
  }

  add(r: Result): void {
    if (this.#changes !== null && r.change !== undefined) this.#changes[r.change]++;
    if (r.cached === true && this.#cached !== null) this.#cached++;
    this.#total++;
    this.#bytes += r.bytes;
    if (r.ok) this.#ok++;
    if (r.flaky === true) this.#flaky++;
    if (r.status !== null) {
      const cls = Math.floor(r.status / 100) - 1;
      if (cls >= 0 && cls < 5) this.#byStatus[cls] = (this.#byStatus[cls] ?? 0) + 1;
      // A cached result's time was measured by an earlier run: not a fresh timing.
      if (r.cached !== true) this.#latency.record(r.timings.total);
    }
    const v = r.httpVersion;
    if (v === '1.1') this.#byVersion[1]!++;
    else if (v === '2') this.#byVersion[2]!++;
    else if (v === '1.0') this.#byVersion[0]!++;
    if (r.error !== null) {
      this.#count(r.error.code);
      if (r.error.code === 'cancelled') this.#cancelled++;
    } else if (r.failures.length > 0) {
      this.#count('expectation');
    }
  }

  summary(wallMs: number): Summary {
    const [c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0] = this.#byStatus;
    const h = this.#latency;
    return {
      total: this.#total,
      ok: this.#ok,
      flaky: this.#flaky,
      failed: this.#total - this.#ok,
      byStatusClass: { '1xx': c1, '2xx': c2, '3xx': c3, '4xx': c4, '5xx': c5 },
      byError: Object.fromEntries(this.#byError),
      bytes: this.#bytes,
      wallMs: round2(wallMs),
      rps: wallMs > 0 ? Math.round((this.#total / (wallMs / 1000)) * 10) / 10 : 0,
      latency:
        h.count === 0
          ? null
          : {
              p50: round2(h.percentile(50)),
              p90: round2(h.percentile(90)),
              p99: round2(h.percentile(99)),
              max: round2(h.max),
            },
      cancelled: this.#cancelled,
      byHttpVersion: versionCounts(this.#byVersion),
      ...(this.#changes === null ? {} : { changes: { ...this.#changes } }),
      ...(this.#cached === null ? {} : { cached: this.#cached }),
    };
  }

  #count(key: string): void {
    this.#byError.set(key, (this.#byError.get(key) ?? 0) + 1);
  }
}

const VERSIONS = ['1.0', '1.1', '2'] as const;

function versionCounts(counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  VERSIONS.forEach((v, i) => {
    const n = counts[i] ?? 0;
    if (n > 0) out[v] = n;
  });
  return out;
}

/**
 * `HTTP/2 9990, HTTP/1.1 10` — only when a response came in a version other than HTTP/1.1: a
 * plain-HTTP run's line stays as it was, while a run against HTTP/2 origins says how many
 * requests went over it (and which fell back to HTTP/1.1). Most frequent first.
 */
function formatVersions(byVersion: Readonly<Record<string, number>> | undefined): string | null {
  const entries = Object.entries(byVersion ?? {}).filter(([, n]) => n > 0);
  if (entries.length === 0 || (entries.length === 1 && entries[0]![0] === '1.1')) return null;
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? 1 : -1));
  return entries.map(([v, n]) => `HTTP/${v} ${n}`).join(', ');
}

const CLASS_COLOR: Record<StatusClass, 'green' | 'cyan' | 'yellow' | 'red' | 'white'> = {
  '1xx': 'white',
  '2xx': 'green',
  '3xx': 'cyan',
  '4xx': 'yellow',
  '5xx': 'red',
};

/**
 * The human summary, one line:
 * `10 targets: 8 ok (1 flaky), 2 failed (timeout 1, refused 1) · 2xx 7 · 4xx 1 · 42.1 KiB ·
 * p50 3.1 ms p90 9.0 ms p99 12 ms max 12 ms · 0.52 s · 19.2 req/s`.
 * Causes are listed most frequent first; empty status classes are left out; `(N flaky)` only
 * when some ok target needed retries. A summary with no wall time of its own (`wallMs` 0:
 * `merge`, whose shards' times are not its own) prints neither a duration nor a rate, rather
 * than `0.00 s · 0.0 req/s`.
 */
export function formatSummary(s: Summary, color: boolean): string {
  const c = new Chalk({ level: color ? 1 : 0 });
  return summaryParts(s, c).join(c.dim(' · '));
}

/**
 * The summary in lines of at most `width` columns: its ` · `-separated parts are packed whole
 * (a line ends with `·` when another part follows), and only a part wider than a line is itself
 * wrapped between its words, so no figure is parted from its label (at 60
 * columns the line once broke inside `p50 … max`).
 */
export function wrapSummary(s: Summary, color: boolean, width: number): string[] {
  const c = new Chalk({ level: color ? 1 : 0 });
  const sep = c.dim(' ·');
  const parts = summaryParts(s, c);
  const lines: string[] = [];
  let line = '';
  for (const [i, part] of parts.entries()) {
    // Room for the ` ·` that ends a line when another part follows it.
    const room = i === parts.length - 1 ? width : width - 2;
    const candidate = line === '' ? part : `${line}${sep} ${part}`;
    if (visibleWidth(candidate) <= room) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(`${line}${sep}`);
    if (visibleWidth(part) <= room) {
      line = part;
      continue;
    }
    const pieces = wrapWords(part, width - 2);
    lines.push(...pieces.slice(0, -1));
    line = pieces.at(-1) ?? '';
  }
  if (line !== '') lines.push(line);
  return lines;
}

function summaryParts(s: Summary, c: ChalkInstance): string[] {
  let head = `${s.total} ${s.total === 1 ? 'target' : 'targets'}: ${c.green(`${s.ok} ok`)}`;
  if (s.flaky > 0) head += ` (${c.yellow(`${s.flaky} flaky`)})`;
  if (s.failed > 0) {
    const causes = Object.entries(s.byError)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([code, n]) => `${code} ${n}`);
    head += `, ${c.red(`${s.failed} failed`)}`;
    if (causes.length > 0) head += ` (${causes.join(', ')})`;
  }
  const parts = [head];
  if (s.changes !== undefined) {
    const changed = formatChanges(s.changes);
    parts.push(s.changes['new-failure'] > 0 ? c.red(changed) : changed);
  }
  if (s.cached !== undefined && s.cached > 0) parts.push(`${s.cached} cached`);
  for (const cls of Object.keys(CLASS_COLOR) as StatusClass[]) {
    const n = s.byStatusClass[cls];
    if (n > 0) parts.push(c[CLASS_COLOR[cls]](`${cls} ${n}`));
  }
  const versions = formatVersions(s.byHttpVersion);
  if (versions !== null) parts.push(versions);
  parts.push(formatBytes(s.bytes));
  if (s.latency !== null) {
    const l = s.latency;
    parts.push(
      `p50 ${formatLatency(l.p50)} p90 ${formatLatency(l.p90)} p99 ${formatLatency(l.p99)} max ${formatLatency(l.max)}`,
    );
  }
  if (s.wallMs > 0) parts.push(formatSeconds(s.wallMs), formatRate(s.rps));
  return parts;
}
