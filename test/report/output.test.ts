import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/report/output.js';

/** A Writable that records every chunk and can be told how to answer each write. */
function recordingStream(opts: {
  highWaterMark?: number;
  answer?: (chunk: string, n: number, cb: (err?: Error | null) => void) => void;
}) {
  const chunks: string[] = [];
  let n = 0;
  const stream = new Writable({
    decodeStrings: false,
    highWaterMark: opts.highWaterMark ?? 16 * 1024,
    write(chunk: string, _enc, cb) {
      chunks.push(chunk);
      const answer = opts.answer ?? ((_c, _n, done) => done());
      answer(chunk, n++, cb);
    },
  });
  return { stream, chunks };
}

function epipe(): Error {
  return Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

describe('Output', () => {
  it('batches many small writes into few stream writes, in order', async () => {
    const { stream, chunks } = recordingStream({});
    const out = new Output(stream);
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i}\n`);
    for (const l of lines) out.write(l);
    await out.flush();
    expect(chunks.join('')).toBe(lines.join(''));
    expect(chunks.length).toBe(1);
  });

  it('hands the buffer over once it reaches the threshold, without waiting for flush', () => {
    const { stream, chunks } = recordingStream({});
    const out = new Output(stream, { flushAt: 100 });
    out.write('x'.repeat(60));
    expect(chunks.length).toBe(0);
    out.write('y'.repeat(60));
    expect(chunks).toEqual(['x'.repeat(60) + 'y'.repeat(60)]);
  });

  it('writes on the next turn of the event loop without an explicit flush', async () => {
    const { stream, chunks } = recordingStream({});
    const out = new Output(stream);
    out.write('hello\n');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(chunks.join('')).toBe('hello\n');
  });

  it('waits for drain under backpressure and still delivers everything in order', async () => {
    // Tiny buffer, slow consumer: every write fills it.
    const { stream, chunks } = recordingStream({
      highWaterMark: 8,
      answer: (_c, _n, cb) => setImmediate(cb),
    });
    let writesWhileFull = 0;
    let backpressured = 0;
    const realWrite = stream.write.bind(stream) as (chunk: string, cb?: (err?: Error | null) => void) => boolean;
    (stream as { write: unknown }).write = (chunk: string, cb?: (err?: Error | null) => void): boolean => {
      if (stream.writableNeedDrain) writesWhileFull++;
      const more = realWrite(chunk, cb);
      if (!more) backpressured++;
      return more;
    };
    const out = new Output(stream, { flushAt: 64 });
    const expected: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const line = `${i}:${'z'.repeat(i % 50)}\n`;
      expected.push(line);
      out.write(line);
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await out.flush();
    expect(chunks.join('')).toBe(expected.join(''));
    expect(backpressured).toBeGreaterThan(0);
    expect(writesWhileFull).toBe(0);
    expect(out.closed).toBe(false);
  });

  it('flush resolves only after the stream called back for the last write', async () => {
    let release: (() => void) | undefined;
    const { stream } = recordingStream({ answer: (_c, _n, cb) => (release = () => cb()) });
    const out = new Output(stream);
    out.write('data');
    let flushed = false;
    const p = out.flush().then(() => (flushed = true));
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    release?.();
    await p;
    expect(flushed).toBe(true);
  });

  it('swallows EPIPE, marks itself closed and drops later writes', async () => {
    const { stream, chunks } = recordingStream({ answer: (_c, n, cb) => cb(n === 0 ? null : epipe()) });
    const out = new Output(stream);
    out.write('first\n');
    await out.flush();
    out.write('second\n');
    await expect(out.flush()).resolves.toBeUndefined();
    expect(out.closed).toBe(true);
    out.write('third\n');
    await expect(out.flush()).resolves.toBeUndefined();
    expect(chunks).toEqual(['first\n', 'second\n']);
  });

  it('survives a real pipe whose reader exits early (like `| head -1`)', async () => {
    // The child reads one chunk and exits; our next writes hit a closed pipe.
    const child = spawn(process.execPath, ['-e', "process.stdin.once('data', () => process.exit(0))"], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = once(child, 'exit');
    const out = new Output(child.stdin);
    out.write('first line\n');
    await out.flush();
    await exited;
    for (let i = 0; i < 200 && !out.closed; i++) {
      out.write('x'.repeat(64 * 1024));
      await out.flush();
    }
    expect(out.closed).toBe(true);
    await expect(out.flush()).resolves.toBeUndefined();
  });

  it('treats an EPIPE emitted as an error event the same way', async () => {
    const { stream } = recordingStream({});
    const out = new Output(stream);
    stream.emit('error', epipe());
    expect(out.closed).toBe(true);
    out.write('ignored');
    await expect(out.flush()).resolves.toBeUndefined();
  });

  it('reports any other stream error from flush', async () => {
    const enospc = Object.assign(new Error('no space left'), { code: 'ENOSPC' });
    const { stream } = recordingStream({ answer: (_c, _n, cb) => cb(enospc) });
    const out = new Output(stream);
    out.write('data');
    await expect(out.flush()).rejects.toBe(enospc);
    expect(out.closed).toBe(true);
  });

  it('end() flushes then finishes the stream', async () => {
    const { stream, chunks } = recordingStream({});
    const out = new Output(stream);
    out.write('a');
    out.write('b');
    await out.end();
    expect(chunks.join('')).toBe('ab');
    expect(stream.writableFinished).toBe(true);
  });

  it('knows the terminal width only for a TTY', () => {
    const { stream } = recordingStream({});
    expect(new Output(stream).columns).toBeUndefined();
    Object.assign(stream, { isTTY: true, columns: 100 });
    expect(new Output(stream).columns).toBe(100);
  });

  it('ready(): null below the high-water mark, a promise above it that resolves once the reader catches up', async () => {
    const held: Array<() => void> = [];
    const { stream, chunks } = recordingStream({
      highWaterMark: 1024,
      answer: (_c, _n, cb) => held.push(() => cb()),
    });
    const out = new Output(stream, { flushAt: 1024, highWater: 8 * 1024 });
    expect(out.ready()).toBeNull();
    // The reader takes nothing: the first write sits in the stream, the rest pile up with us.
    for (let i = 0; i < 100; i++) out.write(`${'x'.repeat(99)}\n`);
    expect(out.buffered).toBeGreaterThanOrEqual(8 * 1024);
    const wait = out.ready();
    expect(wait).not.toBeNull();
    let released = false;
    void wait?.then(() => {
      released = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(released).toBe(false);
    // The reader wakes up: answer every write as it comes.
    for (let guard = 0; guard < 1000 && held.length > 0; guard++) {
      held.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await wait;
    expect(released).toBe(true);
    expect(out.ready()).toBeNull();
    const flushed = out.flush();
    for (let guard = 0; guard < 1000 && held.length > 0; guard++) {
      held.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await flushed;
    expect(chunks.join('')).toBe(`${'x'.repeat(99)}\n`.repeat(100));
  });

  it('ready() lets the producer go once the stream is closed (nothing is gained by waiting)', async () => {
    const { stream } = recordingStream({ highWaterMark: 16, answer: () => {} });
    const out = new Output(stream, { flushAt: 16, highWater: 64 });
    for (let i = 0; i < 20; i++) out.write('0123456789');
    const wait = out.ready();
    expect(wait).not.toBeNull();
    stream.destroy(epipe());
    await wait;
    expect(out.ready()).toBeNull();
  });
});
