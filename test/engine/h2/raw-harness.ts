/**
 * What the h2 tests against a raw frame-writing server share (`session-raw.test.ts`,
 * `edges.test.ts`): the server fixture, bounded waits, and an owner that records what a session
 * reports.
 */
import { afterEach } from 'vitest';
import type { Exchange } from '../../../src/engine/exchange.js';
import type { Session, SessionOwner } from '../../../src/engine/session.js';
import type { Expectation } from '../../../src/expect/types.js';
import type { Result } from '../../../src/types.js';
import { type RawServer, type RawServerOptions, startRawH2Server } from '../../helpers/h2-raw-server.js';

/** Starts raw servers for the calling test file; each is closed after its test. */
export function rawServerFixture(): (options: RawServerOptions) => Promise<RawServer> {
  const servers: RawServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (options) => {
    const server = await startRawH2Server(options);
    servers.push(server);
    return server;
  };
}

/** `n` distinct URLs on `server`. */
export const urls = (server: RawServer, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `${server.url}/n/${i}`);

/** Waits (bounded) until the server has logged `line` from connection `i`: the client's frames arrive after its results. */
export async function logged(server: RawServer, line: string, i = 0): Promise<string[]> {
  for (let tries = 0; tries < 100; tries++) {
    const log = server.connections[i]?.log ?? [];
    if (log.includes(line)) return log;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return server.connections[i]?.log ?? [];
}

/** Waits until `check()` holds, 2.5 s at most. */
export async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 500 && !check(); tries++) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** An owner that records what the session reports. */
export function recordingOwner(): SessionOwner & { results: Result[]; closedCount: number } {
  const owner = {
    results: [] as Result[],
    closedCount: 0,
    finished: (_ex: Exchange, result: Result) => {
      owner.results.push(result);
    },
    continuesAfter: () => false,
    requeue: () => {},
    roomChanged: () => {},
    unanswered: () => {},
    headArrived: () => {},
    closed: (_s: Session) => {
      owner.closedCount++;
    },
  };
  return owner;
}

/** The default expectation (2xx–3xx) for exchanges a test builds by hand. */
export const expectation = { status: [[200, 399]], statusText: '200-399' } as unknown as Expectation;
