import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { DnsCache, MAX_NAMES } from '../../src/engine/dns/cache.js';
import { Engine } from '../../src/engine/engine.js';
import type { Result } from '../../src/types.js';
import { startHttpServer } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';
import { fakeLookup, prepare } from './harness.js';

/**
 * A million targets may name a million different hosts: what the engine keeps per host must not
 * grow with the list.
 */
describe('state per origin stays bounded', () => {
  const start = closeAfterEach();

  it('drops the pool of an origin with no connection and nothing waiting', async () => {
    const server = await start(startHttpServer());
    const names = Array.from({ length: 300 }, (_, i) => `host${i}.test`);
    const table: Record<string, LookupAddress[]> = {};
    for (const name of names) table[name] = [{ address: '127.0.0.1', family: 4 }];
    const results: Result[] = [];
    let mostPools = 0;
    const engine = new Engine(
      (r) => {
        results.push(r);
        mostPools = Math.max(mostPools, (engine as unknown as { pools: Map<string, unknown> }).pools.size);
      },
      { concurrency: 10, lookup: fakeLookup(table) },
    );
    await engine.run(prepare(names.map((n) => `http://${n}:${server.port}/ok`)));
    expect(results).toHaveLength(300);
    expect(results.every((r) => r.ok)).toBe(true);
    // At most `concurrency` busy and `concurrency` idle connections, each in its own origin's pool.
    expect(mostPools).toBeLessThanOrEqual(21);
    expect((engine as unknown as { pools: Map<string, unknown> }).pools.size).toBe(0);
  });

  it('remembers at most MAX_NAMES answers', async () => {
    const cache = new DnsCache({ lookup: (_name, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]) });
    for (let i = 0; i < MAX_NAMES + 50; i++) cache.resolve(`n${i}.test`, () => {});
    expect((cache as unknown as { entries: Map<string, unknown> }).entries.size).toBe(MAX_NAMES);
    // The oldest went; the newest are answered from memory.
    let cached: boolean | null = null;
    cache.resolve(`n${MAX_NAMES + 49}.test`, (_e, _a, c) => (cached = c));
    expect(cached).toBe(true);
    cache.resolve('n0.test', (_e, _a, c) => (cached = c));
    expect(cached).toBe(false);
  });
});
