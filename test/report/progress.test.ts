import { describe, expect, it } from 'vitest';
import { createProgress, formatProgress } from '../../src/report/progress.js';
import { makeError, makeResult } from './helpers.js';

/** A stand-in for a terminal: records writes and lets a test wait for the next one. */
function fakeStream(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  let waiting: (() => void) | null = null;
  const stream = {
    isTTY,
    columns,
    write(s: string): boolean {
      writes.push(s);
      waiting?.();
      waiting = null;
      return true;
    },
  };
  const nextWrite = (): Promise<void> => new Promise((resolve) => (waiting = resolve));
  return { stream: stream as unknown as NodeJS.WriteStream, writes, nextWrite };
}

describe('formatProgress', () => {
  it('shows done/total, rate, failures and elapsed time', () => {
    const parts = formatProgress({ done: 30, total: 100, failed: 2, elapsedMs: 1500 }).split(' · ');
    expect(parts).toEqual(['30/100', '20.0 req/s', '2 failed', '1.50 s']);
  });

  it('shows ? while the total is unknown', () => {
    expect(formatProgress({ done: 5, total: undefined, failed: 0, elapsedMs: 0 }).split(' · ')[0]).toBe('5/?');
  });
});

describe('createProgress', () => {
  it('does nothing at all on a stream that is not a TTY', async () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress(stream, { total: 3, delayMs: 0, intervalMs: 1 });
    p.tick(makeResult());
    p.setTotal(5);
    // Several event-loop turns with timers due: still nothing.
    await new Promise((r) => setTimeout(r, 20));
    p.stop();
    expect(writes).toEqual([]);
  });

  it('draws nothing for a run that ends before the delay', () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgress(stream, { total: 1 });
    p.tick(makeResult());
    p.stop();
    expect(writes).toEqual([]);
  });

  it('redraws one line in place on a TTY, then clears it on stop', async () => {
    const { stream, writes, nextWrite } = fakeStream(true);
    const p = createProgress(stream, { delayMs: 0, intervalMs: 5 });
    p.tick(makeResult({ index: 0 }));
    p.tick(makeError(1, { code: 'refused', message: 'refused' }));
    await nextWrite();
    expect(writes[0]?.startsWith('\r\x1b[2K2/? · ')).toBe(true);
    expect(writes[0]).toContain('1 failed');
    expect(writes[0]).not.toContain('\n');

    p.setTotal(10);
    p.tick(makeResult({ index: 2 }));
    await nextWrite();
    expect(writes.at(-1)?.startsWith('\r\x1b[2K3/10 · ')).toBe(true);

    p.stop();
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    const count = writes.length;
    p.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes.length).toBe(count);
  });

  it('keeps the line narrower than the terminal so it never wraps', async () => {
    const { stream, writes, nextWrite } = fakeStream(true, 12);
    const p = createProgress(stream, { delayMs: 0, total: 123456 });
    await nextWrite();
    p.stop();
    expect(writes[0]?.replace('\r\x1b[2K', '').length).toBe(11);
  });

  it('clear() erases a drawn line at once (so a table row can take its place), and it is drawn again later', async () => {
    const { stream, writes, nextWrite } = fakeStream(true);
    const p = createProgress(stream, { total: 3, delayMs: 0, intervalMs: 5 });
    await nextWrite();
    const drawn = writes.length;
    p.clear();
    expect(writes.length).toBe(drawn + 1);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
    p.clear(); // nothing drawn since: nothing to erase
    expect(writes.length).toBe(drawn + 1);
    await nextWrite();
    expect(writes.at(-1)).toMatch(/^\r\x1b\[2K0\/3/);
    p.stop();
  });
});
