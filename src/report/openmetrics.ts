import type { Result } from '../types.js';
import type { Reporter } from './reporter.js';
import { writeReportFile } from './safe-write.js';
import type { Summary } from './summary.js';

/**
 * `--openmetrics FILE`: the run as OpenMetrics 1.0 text, for node_exporter's textfile collector
 * (or anything that scrapes the format), under blackbox_exporter's metric names so its
 * dashboards work:
 *
 * - `probe_success` 1/0, with a `reason` label: `ok`, the error code (`timeout`, `refused`, …)
 *   or `expectation` — a closed set, so it never multiplies series;
 * - `probe_http_status_code` (0 when no response), `probe_http_content_length` (body bytes
 *   received), `probe_duration_seconds` (the whole request);
 * - `probe_http_duration_seconds{phase}` with blackbox's phases: `resolve` (dns), `connect`,
 *   `tls`, `processing` (from the request to the first response byte) and `transfer` (the body);
 *   0 for a phase that did not happen;
 * - `probe_ssl_earliest_cert_expiry` (Unix seconds) for HTTPS targets with a certificate;
 * - the run: `fetch_many_targets{outcome}`, `fetch_many_run_duration_seconds`,
 *   `fetch_many_run_timestamp_seconds`, and `fetch_many_changes{change}` with a baseline.
 *
 * Series are labelled `target` (the URL, redacted; the name when the target has one) and
 * `method`, plus `body` (the first 16 hex digits of the request body's SHA-256) for targets that
 * send one. One target listed twice is one series: the first result is kept. Cancelled targets
 * were not probed and get no series. No timestamps on samples (the textfile collector refuses
 * them). The text is built at the end — about 1 KiB a target is held until then — and written to
 * a temporary file renamed over FILE, so a scrape never reads half of it.
 */
export function createOpenMetricsReporter(path: string, opts: { now?: () => number } = {}): Reporter {
  const families = FAMILIES.map(() => [] as string[]);
  const seen = new Set<string>();
  let ended: Promise<void> | null = null;
  let discarded = false;
  const now = opts.now ?? Date.now;

  return {
    result(r: Result): void {
      if (ended !== null || r.error?.code === 'cancelled') return;
      const labels = seriesLabels(r);
      if (seen.has(labels)) return;
      seen.add(labels);
      const t = r.timings;
      const reason = r.ok ? 'ok' : r.error !== null ? r.error.code : 'expectation';
      families[0]!.push(`probe_success{${labels},reason="${escapeLabel(reason)}"} ${r.ok ? 1 : 0}`);
      families[1]!.push(`probe_http_status_code{${labels}} ${r.status ?? 0}`);
      families[2]!.push(`probe_http_content_length{${labels}} ${r.bytes}`);
      families[3]!.push(`probe_duration_seconds{${labels}} ${seconds(t.total)}`);
      const before = (t.dns ?? 0) + (t.connect ?? 0) + (t.tls ?? 0);
      const phases: Array<[string, number]> = [
        ['resolve', t.dns ?? 0],
        ['connect', t.connect ?? 0],
        ['tls', t.tls ?? 0],
        ['processing', t.firstByte === null ? 0 : Math.max(0, t.firstByte - before)],
        ['transfer', t.firstByte === null ? 0 : Math.max(0, t.total - t.firstByte)],
      ];
      for (const [phase, ms] of phases) {
        families[4]!.push(`probe_http_duration_seconds{${labels},phase="${phase}"} ${seconds(ms)}`);
      }
      const expiry = r.tls?.validTo == null ? Number.NaN : Date.parse(r.tls.validTo);
      if (Number.isFinite(expiry))
        families[5]!.push(`probe_ssl_earliest_cert_expiry{${labels}} ${Math.floor(expiry / 1000)}`);
    },
    end(summary: Summary): Promise<void> {
      ended ??= discarded ? Promise.resolve() : writeReportFile(path, render(families, summary, now()));
      return ended;
    },
    discard(): Promise<void> {
      discarded = true;
      ended ??= Promise.resolve();
      return ended;
    },
  };
}

const FAMILIES: ReadonlyArray<{ name: string; help: string; unit?: string }> = [
  { name: 'probe_success', help: 'Whether the target was ok: no error, every expectation held' },
  { name: 'probe_http_status_code', help: 'Status of the last response, 0 when none arrived' },
  { name: 'probe_http_content_length', help: 'Body bytes received' },
  { name: 'probe_duration_seconds', help: 'Duration of the whole request', unit: 'seconds' },
  { name: 'probe_http_duration_seconds', help: 'Duration of each phase of the request', unit: 'seconds' },
  { name: 'probe_ssl_earliest_cert_expiry', help: 'Expiry of the server certificate, Unix seconds' },
];

function render(families: readonly string[][], s: Summary, nowMs: number): string {
  const out: string[] = [];
  FAMILIES.forEach((f, i) => {
    const samples = families[i]!;
    if (samples.length === 0) return;
    out.push(`# TYPE ${f.name} gauge`);
    if (f.unit !== undefined) out.push(`# UNIT ${f.name} ${f.unit}`);
    out.push(`# HELP ${f.name} ${f.help}`, ...samples);
  });
  out.push(
    '# TYPE fetch_many_targets gauge',
    '# HELP fetch_many_targets Targets of the run by outcome',
    `fetch_many_targets{outcome="ok"} ${s.ok}`,
    `fetch_many_targets{outcome="failed"} ${s.failed - s.cancelled}`,
    `fetch_many_targets{outcome="cancelled"} ${s.cancelled}`,
  );
  if (s.cached !== undefined) out.push(`fetch_many_targets{outcome="cached"} ${s.cached}`);
  out.push(
    '# TYPE fetch_many_run_duration_seconds gauge',
    '# UNIT fetch_many_run_duration_seconds seconds',
    '# HELP fetch_many_run_duration_seconds Wall-clock duration of the run',
    `fetch_many_run_duration_seconds ${seconds(s.wallMs)}`,
    '# TYPE fetch_many_run_timestamp_seconds gauge',
    '# UNIT fetch_many_run_timestamp_seconds seconds',
    '# HELP fetch_many_run_timestamp_seconds When the run ended, Unix seconds',
    `fetch_many_run_timestamp_seconds ${Math.floor(nowMs / 1000)}`,
  );
  if (s.changes !== undefined) {
    out.push('# TYPE fetch_many_changes gauge', '# HELP fetch_many_changes Targets by change against the baseline');
    for (const [change, n] of Object.entries(s.changes)) out.push(`fetch_many_changes{change="${change}"} ${n}`);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

function seriesLabels(r: Result): string {
  const target = r.name ?? r.url ?? r.input;
  let labels = `target="${escapeLabel(target)}",method="${escapeLabel(r.method)}"`;
  if (r.requestBodySha256 !== undefined) labels += `,body="${r.requestBodySha256.slice(0, 16)}"`;
  return labels;
}

/**
 * A label value as OpenMetrics writes it: `\`, `"` and LF escaped (the only escapes the format
 * has); other control characters and lone surrogates, which it cannot carry, become U+FFFD.
 */
export function escapeLabel(value: string): string {
  return value
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '\ufffd')
    .replace(/[\\"\n]/g, (c: string) => (c === '\n' ? '\\n' : `\\${c}`));
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Milliseconds → seconds, as a decimal OpenMetrics reads (no exponent, no NaN). */
function seconds(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0';
  // 10 µs steps, as the results carry: never small enough for String() to use an exponent.
  return String(Math.round(ms * 100) / 100_000);
}
