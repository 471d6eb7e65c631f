import { describe, expect, it } from 'vitest';
import { SummaryCollector, formatSummary, wrapSummary } from '../../src/report/summary.js';
import { displayWidth } from '../../src/report/sanitize.js';
import { makeError, makeResult } from './helpers.js';

function collect(results: Parameters<SummaryCollector['add']>[0][], wallMs = 500) {
  const c = new SummaryCollector();
  for (const r of results) c.add(r);
  return c.summary(wallMs);
}

const mixed = () => [
  makeResult({ index: 0, bytes: 1000, timings: { total: 1 } }),
  makeResult({ index: 1, bytes: 2000, timings: { total: 2 } }),
  makeResult({ index: 2, status: 301, timings: { total: 3 } }),
  makeResult({ index: 3, status: 404, ok: false, failures: ['status 404 not in 200-399'], timings: { total: 4 } }),
  makeResult({ index: 4, status: 503, ok: false, failures: ['status 503 not in 200-399'], timings: { total: 5 } }),
  makeError(5, { code: 'timeout', phase: 'headers', message: 'headers timed out' }, { timings: { total: 9999 } }),
  makeError(6, { code: 'refused', message: 'refused' }),
  makeError(7, { code: 'refused', message: 'refused' }),
  makeError(8, { code: 'cancelled', message: 'cancelled' }),
  makeResult({
    index: 9,
    status: 200,
    ok: false,
    bytes: 7,
    error: { code: 'truncated', message: 'body ended early' },
    timings: { total: 6 },
  }),
];

describe('SummaryCollector', () => {
  it('counts ok, failed, status classes, causes, bytes and cancellations', () => {
    const s = collect(mixed());
    expect(s.total).toBe(10);
    expect(s.ok).toBe(3);
    expect(s.failed).toBe(7);
    expect(s.byStatusClass).toEqual({ '1xx': 0, '2xx': 3, '3xx': 1, '4xx': 1, '5xx': 1 });
    expect(s.byError).toEqual({ expectation: 2, timeout: 1, refused: 2, cancelled: 1, truncated: 1 });
    expect(s.cancelled).toBe(1);
    expect(s.bytes).toBe(1000 + 2000 + 512 * 3 + 7);
    expect(s.wallMs).toBe(500);
    expect(s.rps).toBeCloseTo(20, 10);
  });

  it('takes latency only over results that got a response', () => {
    const s = collect(mixed());
    // Totals 1..6 ms from the six results with a status; the 9999 ms timeout is not among them.
    expect(s.latency).not.toBeNull();
    expect(s.latency?.max).toBe(6);
    expect(s.latency?.p50).toBeCloseTo(3, 1);
    expect(s.latency?.p99).toBeCloseTo(6, 1);
  });

  it('has null latency when nothing answered, and rps 0 for a zero-length run', () => {
    const s = collect([makeError(0, { code: 'dns', message: 'no such host' })], 0);
    expect(s.latency).toBeNull();
    expect(s.rps).toBe(0);
  });

  it('counts results with a response by HTTP version, listing only versions seen', () => {
    const s = collect([
      makeResult({ index: 0, httpVersion: '2' }),
      makeResult({ index: 1, httpVersion: '2' }),
      makeResult({ index: 2, httpVersion: '1.1' }),
      makeResult({ index: 3, httpVersion: '1.0' }),
      makeError(4, { code: 'refused', message: 'refused' }),
    ]);
    expect(s.byHttpVersion).toEqual({ '1.0': 1, '1.1': 1, '2': 2 });
    expect(collect([makeError(0, { code: 'dns', message: 'no such host' })]).byHttpVersion).toEqual({});
  });

  it('survives JSON round trip unchanged (it is written by the json reporter)', () => {
    const s = collect(mixed());
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('formatSummary', () => {
  it('says what happened in one line', () => {
    const line = formatSummary(collect(mixed(), 520), false);
    expect(line).not.toContain('\n');
    expect(line.startsWith('10 targets: 3 ok, 7 failed (')).toBe(true);
    // causes, most frequent first
    const causes = /failed \(([^)]*)\)/.exec(line)?.[1]?.split(', ');
    expect(causes?.[0]).toBe('expectation 2');
    expect(causes).toEqual(expect.arrayContaining(['refused 2', 'timeout 1', 'cancelled 1', 'truncated 1']));
    const parts = line.split(' · ');
    expect(parts).toContain('2xx 3');
    expect(parts).toContain('5xx 1');
    expect(parts).not.toContain('1xx 0');
    expect(parts).toContain('4.4 KiB'); // 4543 B
    expect(parts).toContain('0.52 s');
    expect(parts).toContain('19.2 req/s');
    expect(line).toMatch(/p50 [\d.]+ ms p90 [\d.]+ ms p99 [\d.]+ ms max 6\.0 ms/);
  });

  it('reads naturally for one ok target and no failures', () => {
    const line = formatSummary(collect([makeResult()], 10), false);
    expect(line.startsWith('1 target: 1 ok ·')).toBe(true);
    expect(line).not.toContain('failed');
  });

  it('names the HTTP versions only when a response came in one other than HTTP/1.1', () => {
    const only11 = formatSummary(
      collect([makeResult({ httpVersion: '1.1' }), makeResult({ index: 1, httpVersion: '1.1' })]),
      false,
    );
    expect(only11).not.toContain('HTTP/');
    const mixedVersions = collect([
      makeResult({ index: 0, httpVersion: '2' }),
      makeResult({ index: 1, httpVersion: '2' }),
      makeResult({ index: 2, httpVersion: '1.1' }),
    ]);
    expect(formatSummary(mixedVersions, false).split(' · ')).toContain('HTTP/2 2, HTTP/1.1 1');
    expect(formatSummary(collect([makeResult({ httpVersion: '1.0' })]), false).split(' · ')).toContain('HTTP/1.0 1');
  });

  it('leaves latency out when nothing answered', () => {
    const line = formatSummary(collect([makeError(0, { code: 'refused', message: 'x' })]), false);
    expect(line).not.toContain('p50');
    expect(line).toContain('1 failed (refused 1)');
  });

  it('uses colour only when asked', () => {
    const s = collect(mixed());
    expect(formatSummary(s, false)).not.toContain('\x1b');
    const coloured = formatSummary(s, true);
    expect(coloured).toContain('\x1b[');
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, '')).toBe(formatSummary(s, false));
  });

  it('prints no duration or rate for a summary with no wall time of its own (a merge)', () => {
    const line = formatSummary(collect(mixed(), 0), false);
    expect(line).not.toMatch(/ s · |req\/s/);
    expect(line.endsWith(' ms')).toBe(true);
  });
});

describe('wrapSummary', () => {
  it('packs whole parts into lines, so no figure is parted from its label (issue 23 item 8)', () => {
    const s = collect(mixed());
    const one = formatSummary(s, false);
    const parts = one.split(' · ');
    for (const width of [40, 60, 80, 120]) {
      const lines = wrapSummary(s, false, width);
      for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(width);
      expect(lines.join(' ')).toBe(one);
      // Every part (the latency group included) is on one line whole.
      for (const part of parts.filter((p) => p.length <= width - 2)) {
        expect(
          lines.some((l) => l.includes(part)),
          `${width}: ${part}`,
        ).toBe(true);
      }
      for (const line of lines) expect(line.startsWith('·')).toBe(false);
    }
  });

  it('keeps colour codes out of the width', () => {
    const s = collect(mixed());
    const plain = wrapSummary(s, false, 60);
    const coloured = wrapSummary(s, true, 60).map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
    expect(coloured).toEqual(plain);
  });
});
