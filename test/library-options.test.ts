/**
 * Issue 23 in the library: `responseHeaders` / `requestHeaders` (validated as strictly as the
 * CLI's -i / -v), and one duration rule — a number is milliseconds in the options and in a
 * target object alike.
 */
import { describe, expect, it } from 'vitest';
import { fetchMany, OptionError, type Result } from '../src/index.js';
import { startHttpServer } from './helpers/servers.js';
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
