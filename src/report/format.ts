/** Human formatting shared by the table, the summary line and the progress line. */

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `512 B`, `1.0 KiB`, `42.1 MiB` (binary units, one decimal). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Number.isFinite(n) ? Math.max(0, n) : 0} B`;
  let v = n / 1024;
  let i = 0;
  // 1023.96 KiB would print as "1024.0 KiB": move up a unit before rounding does it for us.
  while (v >= 1023.95 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${BYTE_UNITS[i]}`;
}

/** Milliseconds with one decimal under 10 ms, whole above: `3.1`, `245`, `12034`. */
export function formatMsNumber(ms: number): string {
  return ms < 9.95 ? ms.toFixed(1) : Math.round(ms).toString();
}

/** A latency: `3.1 ms`, `245 ms`, then seconds from 1 s: `1.25 s`. */
export function formatLatency(ms: number): string {
  return ms < 999.5 ? `${formatMsNumber(ms)} ms` : formatSeconds(ms);
}

/** A wall-clock duration in seconds: `0.52 s`, `12.3 s`, `125 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  if (s < 9.995) return `${s.toFixed(2)} s`;
  if (s < 99.95) return `${s.toFixed(1)} s`;
  return `${Math.round(s)} s`;
}

/** `19.2 req/s`. */
export function formatRate(perSecond: number): string {
  return `${perSecond.toFixed(1)} req/s`;
}
