/**
 * The public library API, used as a user would: `fetchMany` over an array or an async generator,
 * with options, and with the consumer leaving the loop early.
 */
import { describe, expect, it } from 'vitest';
import { fetchMany, OptionError, UsageError, VERSION, type Result, type TargetInput } from '../src/index.js';
import { eventually } from './helpers/raw-client.js';
import { startHttpServer } from './helpers/servers.js';
import { closeAfterEach } from './helpers/track.js';

const start = closeAfterEach();

async function collect(iterable: AsyncIterable<Result>): Promise<Result[]> {
  const out: Result[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

const sortedIndexes = (results: readonly Result[]): number[] => results.map((r) => r.index).sort((a, b) => a - b);

describe('fetchMany', () => {
  it('fetches an array of strings and objects, one result per target, invalid ones included', async () => {
    const server = await start(startHttpServer());
    const targets: TargetInput[] = [
      `${server.url}/ok`,
      { url: `${server.url}/bytes/10`, name: 'ten bytes' },
      { host: '127.0.0.1', port: server.port, path: '/status/404' },
      'not a url at all',
    ];
    const results = await collect(fetchMany(targets, { timeout: 2000 }));
    expect(sortedIndexes(results)).toEqual([0, 1, 2, 3]);
    const byIndex = [...results].sort((a, b) => a.index - b.index);
    expect(byIndex.map((r) => [r.status, r.ok, r.error?.code ?? null])).toEqual([
      [200, true, null],
      [200, true, null],
      [404, false, null],
      [null, false, 'invalid_target'],
    ]);
    expect(byIndex[1]!.name).toBe('ten bytes');
    expect(byIndex[1]!.bytes).toBe(10);
    expect(byIndex[2]!.failures).toHaveLength(1);
  });

  it('fetches from an async generator, pulling targets as it goes', async () => {
    const server = await start(startHttpServer());
    let pulled = 0;
    async function* targets(): AsyncGenerator<string> {
      for (let i = 0; i < 25; i++) {
        pulled++;
        await new Promise((r) => setImmediate(r));
        yield `${server.url}/bytes/${i}`;
      }
    }
    const results = await collect(fetchMany(targets(), { concurrency: 4, timeout: 2000 }));
    expect(pulled).toBe(25);
    expect(sortedIndexes(results)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    for (const r of results) expect([r.ok, r.bytes]).toEqual([true, r.index]);
  });

  it('applies method, headers, body, userAgent and expect options', async () => {
    const server = await start(startHttpServer());
    const results = await collect(
      fetchMany([`${server.url}/echo`, { url: `${server.url}/echo`, method: 'PUT', headers: { 'X-Who': 'target' } }], {
        method: 'POST',
        headers: { 'X-Who': 'run', 'X-Run': '1' },
        body: 'payload',
        userAgent: 'lib-test/1',
        expect: { status: '201' },
        concurrency: 1,
        timeout: 2000,
      }),
    );
    expect(results).toHaveLength(2);
    const [first, second] = [...server.received].sort((a, b) => a.method.localeCompare(b.method));
    expect(first?.method).toBe('POST');
    expect(second?.method).toBe('PUT');
    expect(first?.header('x-who')).toBe('run');
    expect(second?.header('x-who')).toBe('target');
    expect(second?.header('x-run')).toBe('1');
    for (const req of server.received) {
      expect(req.body.toString()).toBe('payload');
      expect(req.header('user-agent')).toBe('lib-test/1');
    }
    // 200 is not in the run-wide expectation: an honest failure, not an error.
    for (const r of results) {
      expect([r.status, r.ok, r.error]).toEqual([200, false, null]);
      expect(r.failures).toHaveLength(1);
    }
  });

  it('sends the default User-Agent fetch-many/<version>', async () => {
    const server = await start(startHttpServer());
    await collect(fetchMany([`${server.url}/ok`], { timeout: 2000 }));
    expect(server.received[0]?.header('user-agent')).toBe(`fetch-many/${VERSION}`);
  });

  it('breaking out of the loop cancels the rest: no hang, every socket closed', async () => {
    const server = await start(startHttpServer());
    const targets = [`${server.url}/ok`, ...Array.from({ length: 10 }, () => `${server.url}/never`)];
    const seen: Result[] = [];
    for await (const r of fetchMany(targets, { concurrency: 11, perHost: 11, timeout: 30_000 })) {
      seen.push(r);
      break;
    }
    expect(seen.map((r) => [r.index, r.ok])).toEqual([[0, true]]);
    // Requests were in flight when we left; their sockets must go, well before the 30 s timeout.
    expect(server.connections).toBeGreaterThan(1);
    await eventually(() => server.openConnections === 0, 'every connection closed after break');
  });

  it('breaking out of the loop stops pulling from an endless generator and closes it', async () => {
    const server = await start(startHttpServer());
    let pulled = 0;
    let finalized = false;
    async function* endless(): AsyncGenerator<string> {
      try {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield `${server.url}/${i === 0 ? 'ok' : 'never'}`;
        }
      } finally {
        finalized = true;
      }
    }
    for await (const r of fetchMany(endless(), { concurrency: 4, timeout: 30_000 })) {
      expect(r.index).toBe(0);
      break;
    }
    await eventually(() => server.openConnections === 0, 'every connection closed after break');
    const after = pulled;
    await new Promise((r) => setTimeout(r, 50));
    expect(pulled).toBe(after);
    expect(pulled).toBeLessThan(1_000_000);
    await eventually(() => finalized, "the source generator's finally ran");
  });

  it('an aborted signal ends the loop with cancelled results for what was in flight', async () => {
    const server = await start(startHttpServer());
    const controller = new AbortController();
    const results: Result[] = [];
    const loop = (async () => {
      for await (const r of fetchMany([`${server.url}/never`, `${server.url}/never`], {
        signal: controller.signal,
        timeout: 30_000,
      })) {
        results.push(r);
      }
    })();
    await eventually(() => server.requests === 2, 'both requests in flight');
    controller.abort();
    await loop;
    expect(sortedIndexes(results)).toEqual([0, 1]);
    expect(results.every((r) => r.error?.code === 'cancelled')).toBe(true);
    await eventually(() => server.openConnections === 0, 'every connection closed after abort');
  });

  it('rethrows an error from the target source after the results of what was taken', async () => {
    const server = await start(startHttpServer());
    async function* failing(): AsyncGenerator<string> {
      yield `${server.url}/ok`;
      yield `${server.url}/ok`;
      throw new Error('source broke');
    }
    const results: Result[] = [];
    await expect(
      (async () => {
        for await (const r of fetchMany(failing(), { timeout: 2000 })) results.push(r);
      })(),
    ).rejects.toThrow('source broke');
    expect(sortedIndexes(results)).toEqual([0, 1]);
  });
});

describe('fetchMany options (issue 12: the library is as strict as the CLI)', () => {
  /** Calls fetchMany and returns what it threw; nothing may start, so no server is needed. */
  function thrown(options: Record<string, unknown>): OptionError {
    let error: unknown = null;
    try {
      fetchMany(['http://127.0.0.1:9/'], options as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OptionError);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as OptionError).code).toBe('invalid_option');
    return error as OptionError;
  }

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ perHost: 0 }, 'perHost'],
    [{ maxHeaderBytes: 0 }, 'maxHeaderBytes'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ timeout: -1 }, 'timeout'],
    [{ method: 'G T' }, 'method'],
    [{ headers: { 'Bad Name': 'x' } }, 'headers'],
    [{ body: 42 }, 'body'],
    [{ signal: {} }, 'signal'],
  ])('throws OptionError for %j when called, before anything runs', (options, option) => {
    expect(thrown(options).option).toBe(option);
  });

  it('throws OptionError with a did-you-mean for a misspelt option', () => {
    const err = thrown({ concurency: 4 });
    expect(err.option).toBe('concurency');
    expect(err.message).toContain('did you mean "concurrency"');
  });

  it("takes the CLI's duration strings: timeout '300ms' times out after 300 ms instead of hanging", async () => {
    const server = await start(startHttpServer());
    const results = await collect(fetchMany([`${server.url}/never`], { timeout: '300ms' }));
    expect(results).toHaveLength(1);
    expect(results[0]!.error?.code).toBe('timeout');
    expect(results[0]!.error?.message).toContain('300');
  });

  it("a body without a method is a POST, as curl -d (the body option and a target's own)", async () => {
    const server = await start(startHttpServer());
    await collect(fetchMany([`${server.url}/echo?t=run`], { body: 'a=1' }));
    await collect(fetchMany([{ url: `${server.url}/echo?t=own`, body: 'b=2' }]));
    const byTag = Object.fromEntries(server.received.map((r) => [r.target, [r.method, r.body.toString()]]));
    expect(byTag).toEqual({ '/echo?t=run': ['POST', 'a=1'], '/echo?t=own': ['POST', 'b=2'] });
  });

  it('without perHost, one origin gets every slot of the concurrency once it has answered', async () => {
    let inFlight = 0;
    let peak = 0;
    let quorum = 12;
    const release: Array<() => void> = [];
    const server = await start(
      startHttpServer({
        '/gate': (_req, ctx) =>
          new Promise<void>((done) => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            const answer = (): void => {
              inFlight--;
              ctx.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
              done();
            };
            release.push(answer);
            // Everyone answers once `quorum` are here (or after 2 s, if they never all arrive).
            if (release.length === quorum) for (const r of release.splice(0)) r();
            else ctx.later(2000, () => release.includes(answer) && release.splice(release.indexOf(answer), 1)[0]!());
          }),
      }),
    );
    const targets = Array.from({ length: 12 }, () => `${server.url}/gate`);
    // Until its first answer an origin may hold half the slots (issue 24): /ok answers at once.
    const results = await collect(fetchMany([`${server.url}/ok`, ...targets], { concurrency: 12, timeout: '10s' }));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(12);
    // And perHost still caps when given.
    peak = 0;
    quorum = 3;
    const capped = await collect(fetchMany(targets, { concurrency: 12, perHost: 3, timeout: '10s' }));
    expect(capped.every((r) => r.ok)).toBe(true);
    expect(peak).toBe(3);
  });
});
