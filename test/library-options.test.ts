/**
 * Issue 23 in the library: `responseHeaders` / `requestHeaders` (validated as strictly as the
 * CLI's -i / -v), and one duration rule — a number is milliseconds in the options and in a
 * target object alike.
 */
import { describe, expect, it } from 'vitest';
import { fetchMany, OptionError, type Result } from '../src/index.js';
import { startHttpServer, startSilentServer } from './helpers/servers.js';
import { closeAfterEach } from './helpers/track.js';

const start = closeAfterEach();

async function collect(iterable: AsyncIterable<Result>): Promise<Result[]> {
  const out: Result[] = [];
  for await (const r of iterable) out.push(r);
  return out.sort((a, b) => a.index - b.index);
}

describe('responseHeaders and requestHeaders', () => {
  it('are absent unless asked for, then carry the heads in wire order', async () => {
    const server = await start(startHttpServer());
    const [plain] = await collect(fetchMany([`${server.url}/ok`]));
    expect(plain).not.toHaveProperty('responseHeaders');
    expect(plain).not.toHaveProperty('requestHeaders');

    const [r] = await collect(
      fetchMany([{ url: `${server.url}/ok`, headers: { 'X-Mine': 'yes' } }], {
        responseHeaders: true,
        requestHeaders: true,
      }),
    );
    expect(r?.responseHeaders?.some(([name]) => name === 'content-length')).toBe(true);
    expect(r?.requestHeaders?.[0]).toEqual(['Host', `127.0.0.1:${server.port}`]);
    expect(r?.requestHeaders).toContainEqual(['X-Mine', 'yes']);
  });

  it('are validated', () => {
    expect(() => fetchMany(['http://127.0.0.1:1/'], { responseHeaders: 'yes' as never })).toThrow(OptionError);
    expect(() => fetchMany(['http://127.0.0.1:1/'], { requestHeaders: 1 as never })).toThrow(/requestHeaders/);
  });
});

describe('durations: one rule', () => {
  it('timeout: 1000 means the same in the options and in a target object (1000 ms)', async () => {
    const silent = await start(startSilentServer());
    const [fromOptions, fromTarget] = await Promise.all([
      collect(fetchMany([`${silent.url}/a`], { timeout: 1000 })),
      collect(fetchMany([{ url: `${silent.url}/b`, timeout: 1000 }])),
    ]);
    for (const r of [fromOptions[0], fromTarget[0]]) {
      expect(r?.error?.code).toBe('timeout');
      expect(r?.error?.message).toBe(`no response headers from 127.0.0.1:${silent.port} within 1000 ms`);
    }
  });

  it('expect.maxTime: a number is milliseconds in the options and in a target alike', async () => {
    const server = await start(startHttpServer());
    const [a] = await collect(fetchMany([`${server.url}/slow/300`], { expect: { status: '200-399', maxTime: 100 } }));
    const [b] = await collect(fetchMany([{ url: `${server.url}/slow/300`, expect: { maxTime: 100 } }]));
    expect(a?.failures).toEqual([expect.stringMatching(/^time \d+ ms > 100 ms$/)]);
    expect(b?.failures).toEqual([expect.stringMatching(/^time \d+ ms > 100 ms$/)]);
  });

  it('still takes a built expectation, which the public types no longer show', async () => {
    // The compiled form ({status: [[low, high]], statusText}) left the public types; code written
    // against them before runs as it did.
    const server = await start(startHttpServer());
    const built = { status: [[200, 399]], statusText: '200-399', maxTime: 100 } as unknown as { status: string };
    const [a] = await collect(fetchMany([`${server.url}/slow/300`], { expect: built }));
    expect(a?.failures).toEqual([expect.stringMatching(/^time \d+ ms > 100 ms$/)]);
    const bad = { status: [[0, 1000]], statusText: 'x' } as unknown as { status: string };
    expect(() => fetchMany([`${server.url}/`], { expect: bad })).toThrow(OptionError);
  });

  it('refuses a string without a unit, and a number that reads as seconds', () => {
    expect(() => fetchMany(['http://127.0.0.1:1/'], { timeout: '5' as never })).toThrow('give a unit, "5s" or "5ms"');
    expect(() => fetchMany(['http://127.0.0.1:1/'], { timeout: 5 })).toThrow('did you mean "5s"?');
  });

  it('refuses the same in a target, as an invalid target', async () => {
    const [r] = await collect(fetchMany([{ url: 'http://127.0.0.1:1/', timeout: 5 }]));
    expect(r?.error).toEqual({
      code: 'invalid_target',
      message: 'field "timeout": 5 is 5 ms (a number is milliseconds); did you mean "5s"? Write "5ms" if not',
    });
  });
});
