/**
 * Without `perHost`, an origin that has not answered yet may hold half the run's slots at most,
 * ceil(concurrency / 2); from its first response head on, all of `concurrency` (issue 24: one
 * dead origin listed first must not take every slot). With an explicit `perHost` the user's cap
 * holds from the start. Event-driven: the tests wait for requests to arrive, never for time.
 *
 * "At most" needs a point after which no more requests can be on their way. HTTP/1.1: each
 * request opens its own connection (nothing is idle before an answer), and connections are
 * opened synchronously as targets are admitted, in list order; so once the request of a second
 * origin's target, listed after all of them, has arrived, the connector's count for the first
 * origin is final. HTTP/2: the server's PING is acknowledged after every frame the client wrote
 * before it, so once the ACK is in, every stream already started has been seen.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { describe, expect, it } from 'vitest';
import { defaultConnector, type Connector } from '../../src/engine/net/connector.js';
import { runTargets } from '../../src/engine/run.js';
import type { Result } from '../../src/types.js';
import { prepare } from './harness.js';
import { startH2Server } from '../helpers/h2-server.js';
import { closeAfterEach } from '../helpers/track.js';

const start = closeAfterEach();
const C = 20;
const HALF = Math.ceil(C / 2);
const TARGETS = 40;

/** Resolves when `check()` holds, tested each time `poke` is called. */
class Waiter {
  private readonly pending: { check: () => boolean; resolve: () => void }[] = [];
  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.pending.push({ check, resolve }));
  }
  poke(): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.check()) {
        this.pending.splice(i, 1);
        p.resolve();
      }
    }
  }
}

/** An HTTP/1.1 server that holds every request until told to answer; pokes `waiter` on each. */
async function startHolding(waiter = new Waiter()): Promise<{
  url: string;
  port: number;
  held: ServerResponse[];
  waiter: Waiter;
  answerOne(): void;
  answerAll(): void;
  close(): Promise<void>;
}> {
  const held: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  let open = false;
  const answer = (res: ServerResponse): void => {
    res.end('ok');
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (open) return answer(res);
    held.push(res);
    res.on('close', () => {
      const at = held.indexOf(res);
      if (at !== -1) held.splice(at, 1);
    });
    waiter.poke();
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    held,
    waiter,
    answerOne: () => answer(held.shift()!),
    answerAll: () => {
      open = true;
      for (const res of held.splice(0)) answer(res);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The default connector, counting the TCP connections opened to `port`. */
function counting(port: number): Connector & { opened: number } {
  const connector = {
    opened: 0,
    tcp: ((address, family, p, readInto) => {
      if (p === port) connector.opened++;
      return defaultConnector.tcp(address, family, p, readInto);
    }) as Connector['tcp'],
    tls: defaultConnector.tls,
  };
  return connector;
}

describe('an origin that has not answered yet (HTTP/1.1)', () => {
  it(`without perHost: ${HALF} requests of ${C} before its first answer, then ${C}`, async () => {
    const waiter = new Waiter();
    const slow = await start(startHolding(waiter));
    const marker = await start(startHolding(waiter));
    const connector = counting(slow.port);
    const urls = [...Array.from({ length: TARGETS }, (_, i) => `${slow.url}/${i}`), `${marker.url}/last`];
    const results: Result[] = [];
    const done = runTargets(prepare(urls), { concurrency: C, timeout: 30_000, connector }, (r) => results.push(r));

    // The marker's request arrives only after every target before it was admitted (or never,
    // when the slow origin took every slot).
    await waiter.until(() => (marker.held.length === 1 && slow.held.length >= HALF) || slow.held.length > HALF);
    expect(slow.held).toHaveLength(HALF);
    expect(marker.held).toHaveLength(1);
    expect(connector.opened).toBe(HALF);
    marker.answerAll();

    // Its first answer lifts the cap: C at once (HALF - 1 still held, the rest started now).
    slow.answerOne();
    await slow.waiter.until(() => slow.held.length === C);

    slow.answerAll();
    await done;
    expect(results).toHaveLength(TARGETS + 1);
    expect(results.every((r) => r.ok)).toBe(true);
  }, 60_000);

  it(`with perHost ${C}: ${C} requests at once from the start`, async () => {
    const slow = await start(startHolding());
    const results: Result[] = [];
    const urls = Array.from({ length: TARGETS }, (_, i) => `${slow.url}/${i}`);
    const done = runTargets(prepare(urls), { concurrency: C, perHost: C, timeout: 30_000 }, (r) => results.push(r));
    await slow.waiter.until(() => slow.held.length === C);
    expect(results).toHaveLength(0);
    slow.answerAll();
    await done;
    expect(results.filter((r) => r.ok)).toHaveLength(TARGETS);
  }, 60_000);

  it('concurrency 1: the one slot is still usable', async () => {
    const slow = await start(startHolding());
    slow.answerAll();
    const results: Result[] = [];
    await runTargets(prepare([`${slow.url}/a`, `${slow.url}/b`]), { concurrency: 1, timeout: 30_000 }, (r) =>
      results.push(r),
    );
    expect(results.map((r) => r.ok)).toEqual([true, true]);
  });
});

describe('an origin that has not answered yet (HTTP/2)', () => {
  /** An h2c server holding every stream; `ping()` resolves once the client acknowledged a PING. */
  async function startHoldingH2(): Promise<{
    url: string;
    held: ServerHttp2Stream[];
    waiter: Waiter;
    ping(): Promise<void>;
    answerOne(): void;
    answerAll(): void;
    close(): Promise<void>;
  }> {
    const held: ServerHttp2Stream[] = [];
    const waiter = new Waiter();
    let session: ServerHttp2Session | null = null;
    let open = false;
    const answer = (stream: ServerHttp2Stream): void => {
      stream.respond({ ':status': 200 });
      stream.end('ok');
    };
    const server = await startH2Server({
      tls: false,
      handler: (stream, _headers, ctx) => {
        session = ctx.session;
        if (open) return answer(stream);
        held.push(stream);
        stream.on('close', () => {
          const at = held.indexOf(stream);
          if (at !== -1) held.splice(at, 1);
        });
        waiter.poke();
      },
    });
    return {
      url: server.url,
      held,
      waiter,
      ping: () =>
        new Promise<void>((resolve, reject) => {
          session!.ping((err) => (err === null ? resolve() : reject(err)));
        }),
      answerOne: () => answer(held.shift()!),
      answerAll: () => {
        open = true;
        for (const stream of held.splice(0)) answer(stream);
      },
      close: () => server.close(),
    };
  }

  it(`without perHost: ${HALF} streams of ${C} before its first answer, then ${C}`, async () => {
    const slow = await start(startHoldingH2());
    const urls = Array.from({ length: TARGETS }, (_, i) => `${slow.url}/${i}`);
    const results: Result[] = [];
    const done = runTargets(prepare(urls), { concurrency: C, timeout: 30_000, http2PriorKnowledge: true }, (r) =>
      results.push(r),
    );
    await slow.waiter.until(() => slow.held.length === HALF);
    // Every stream the client started before it acknowledged the PING has arrived by now.
    await slow.ping();
    expect(slow.held).toHaveLength(HALF);

    slow.answerOne();
    await slow.waiter.until(() => slow.held.length === C);
    await slow.ping();
    expect(slow.held).toHaveLength(C);

    slow.answerAll();
    await done;
    expect(results.filter((r) => r.ok)).toHaveLength(TARGETS);
  }, 60_000);

  it(`with perHost ${C}: ${C} streams at once from the start`, async () => {
    const slow = await start(startHoldingH2());
    const urls = Array.from({ length: TARGETS }, (_, i) => `${slow.url}/${i}`);
    const results: Result[] = [];
    const done = runTargets(
      prepare(urls),
      { concurrency: C, perHost: C, timeout: 30_000, http2PriorKnowledge: true },
      (r) => results.push(r),
    );
    await slow.waiter.until(() => slow.held.length === C);
    expect(results).toHaveLength(0);
    slow.answerAll();
    await done;
    expect(results.filter((r) => r.ok)).toHaveLength(TARGETS);
  }, 60_000);
});
