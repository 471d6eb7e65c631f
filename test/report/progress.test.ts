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
  it('with a known total: a bar, done/total, %, rate, failures and the ETA', () => {
    const line = formatProgress({ done: 30, total: 100, failed: 2, elapsedMs: 1500 }, 79);
    // 20 req/s, 70 to go: 3.5 s, rounded up.
    expect(line).toMatch(/^\[#{9}\.{21}\] 30\/100 30% · 20\.0 req\/s · 2 failed · ETA 0:04$/);
    // No room for a bar: the text alone.
    expect(formatProgress({ done: 30, total: 100, failed: 2, elapsedMs: 1500 }, 50)).toBe(
      '30/100 30% · 20.0 req/s · 2 failed · ETA 0:04',
    );
    expect(formatProgress({ done: 1, total: 100_000, failed: 0, elapsedMs: 1000 })).toContain('ETA 27:46:39');
  });

  it('marks a total that is still growing, with no bar, % or ETA', () => {
    const line = formatProgress({ done: 30, total: 400, totalFinal: false, failed: 0, elapsedMs: 1500 }, 79);
    expect(line.split(' · ')).toEqual(['30/400+', '20.0 req/s', '0 failed', '1.50 s']);
  });

  it('shows the count and the rate when there is no total (stdin)', () => {
    expect(formatProgress({ done: 5, total: undefined, failed: 0, elapsedMs: 1000 }).split(' · ')).toEqual([
      '5 done',
      '5.0 req/s',
      '0 failed',
      '1.00 s',
    ]);
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
    expect(writes[0]?.startsWith('\r\x1b[2K2 done · ')).toBe(true);
    expect(writes[0]).toContain('1 failed');
    expect(writes[0]).not.toContain('\n');

    p.setTotal(8, false);
    await nextWrite();
    expect(writes.at(-1)?.startsWith('\r\x1b[2K2/8+ · ')).toBe(true);
    p.setTotal(10);
    p.setTotal(9, false); // a growing count never replaces a final one
    p.tick(makeResult({ index: 2 }));
    await nextWrite();
    expect(writes.at(-1)).toMatch(/^\r\x1b\[2K\[#+\.+\] 3\/10 30% · /);

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
    expect(writes.at(-1)).toMatch(/^\r\x1b\[2K\[\.+\] 0\/3 0%/);
    p.stop();
  });

  it('draws nothing while targets are typed on the terminal, then draws once the input ended', async () => {
    const { stream, writes, nextWrite } = fakeStream(true);
    const p = createProgress(stream, { delayMs: 0, intervalMs: 5, holdUntilInputEnds: true });
    p.tick(makeResult());
    p.setTotal(3, false);
    // Several redraw periods pass: nothing is drawn over what is being typed.
    await new Promise((r) => setTimeout(r, 40));
    expect(writes).toEqual([]);
    p.setTotal(3);
    await nextWrite();
    expect(writes[0]).toMatch(/1\/3 33%/);
    p.stop();
  });
});
