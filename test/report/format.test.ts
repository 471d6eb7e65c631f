import { describe, expect, it } from 'vitest';
import { formatBytes, formatLatency, formatMsNumber, formatRate, formatSeconds } from '../../src/report/format.js';

describe('format', () => {
  it('formats bytes in binary units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(43_110)).toBe('42.1 KiB');
    expect(formatBytes(1024 * 1024 - 1)).toBe('1.0 MiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5.0 GiB');
  });

  it('gives milliseconds one decimal under 10 ms only', () => {
    expect(formatMsNumber(3.14)).toBe('3.1');
    expect(formatMsNumber(9.96)).toBe('10');
    expect(formatMsNumber(245.6)).toBe('246');
  });

  it('switches latency to seconds from one second', () => {
    expect(formatLatency(3.1)).toBe('3.1 ms');
    expect(formatLatency(999.4)).toBe('999 ms');
    expect(formatLatency(1250)).toBe('1.25 s');
  });

  it('formats wall time and rates', () => {
    expect(formatSeconds(520)).toBe('0.52 s');
    expect(formatSeconds(12_340)).toBe('12.3 s');
    expect(formatSeconds(125_000)).toBe('125 s');
    expect(formatRate(19.23)).toBe('19.2 req/s');
  });
});
