import { performance } from 'node:perf_hooks';
import type { Expectation, PreparedTarget, Result, RunOptions, Target, TimeoutPhase } from '../types.js';
import { DEFAULT_EXPECTATION } from '../targets/expect.js';
import { VERSION } from '../version.js';
import type { Connection } from './connection.js';
import { defaultConnector, type Connector } from './connector.js';
import { DnsCache, type LookupFn } from './dns.js';
import { Exchange } from './exchange.js';
import { Pool } from './pool.js';
import { requestsClose, serializeRequest } from './request.js';

/** Defaults, documented in README and `--help`. */
export const DEFAULTS = {
  concurrency: 50,
  /** Browsers open 6 connections per origin; a smoke check should be no ruder than a browser. */
  perHost: 6,
  connectTimeout: 10_000,
  timeout: 30_000,
  /** RFC 9112 sets no limit; 64 KiB is several times what real servers send and bounds memory. */
  maxHeaderBytes: 64 * 1024,
} as const;


/** How often deadlines are checked. Timeouts fire within this much of their budget. */
const SWEEP_MS = 10;

/** RFC 9110 §9.2.2: only these may be retried automatically. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface EngineOptions extends RunOptions {
  /** Opens sockets; tests hand in their own. */
  connector?: Connector;
  /** Resolves names; tests hand in their own. */
  lookup?: LookupFn;
}

/**
 * The event loop's bookkeeping: pulls targets only as fast as it can start them, runs each as an
 * {@link Exchange} on a per-origin {@link Pool}, sweeps deadlines, and hands every target exactly
 * one {@link Result}. It never prints and never exits.
 */
export class Engine {
  readonly dns: DnsCache;
  readonly connector: Connector;
  readonly perHost: number;
  readonly insecure: boolean;
  readonly maxHeaderBytes: number;
  readonly maxBytes: number | undefined;
  private readonly concurrency: number;
  private readonly connectTimeout: number;
  private readonly timeout: number;
  private readonly expect: Expectation;
  private readonly userAgent: string;
  /** How many targets may wait for a per-origin slot, so other origins keep moving meanwhile. */
  private readonly lookahead: number;

  private readonly pools = new Map<string, Pool>();
  /** Pools with exchanges waiting for a connection; they are served before new targets are taken. */
  private readonly backlog = new Set<Pool>();
  private readonly active = new Set<Exchange>();
  private inFlight = 0;
  private waiting = 0;
  private idleTotal = 0;
  private readonly idleOrder = new Set<Connection>();
  private sweeper: NodeJS.Timeout | null = null;
  private sweepQueued = false;

  private syncSource: Iterator<PreparedTarget> | null = null;
  private asyncSource: AsyncIterator<PreparedTarget> | null = null;
  private pumping = false;
  private sourceDone = false;
  private cancelled = false;
  private sourceError: unknown = null;
  private settle: (() => void) | null = null;
  private settled = false;

  constructor(
    private readonly onResult: (result: Result) => void,
    options: EngineOptions = {},
  ) {
    this.concurrency = options.concurrency ?? DEFAULTS.concurrency;
    this.perHost = options.perHost ?? DEFAULTS.perHost;
    this.connectTimeout = options.connectTimeout ?? DEFAULTS.connectTimeout;
    this.timeout = options.timeout ?? DEFAULTS.timeout;
    this.insecure = options.insecure ?? false;
    this.maxHeaderBytes = options.maxHeaderBytes ?? DEFAULTS.maxHeaderBytes;
    this.maxBytes = options.maxBytes;
    this.expect = options.expect ?? DEFAULT_EXPECTATION;
    this.userAgent = options.userAgent ?? `fetch-many/${VERSION}`;
    this.connector = options.connector ?? defaultConnector;
    this.dns = new DnsCache(options.lookup);
    this.lookahead = Math.max(256, this.concurrency * 4);
    if (options.signal !== undefined) {
      const signal = options.signal;
      if (signal.aborted) this.cancelled = true;
      else signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  /** Runs every target; resolves when each has produced its result. */
  run(targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>): Promise<void> {
    if (Symbol.asyncIterator in targets) this.asyncSource = targets[Symbol.asyncIterator]();
    else this.syncSource = targets[Symbol.iterator]();
    return new Promise<void>((resolve, reject) => {
      this.settle = () => {
        this.settle = null;
        this.settled = true;
        this.stopSweeper();
        for (const pool of this.pools.values()) pool.closeIdle();
        if (!this.sourceDone) this.closeSource();
        if (this.sourceError !== null) reject(this.sourceError);
        else resolve();
      };
      void this.pump();
    });
  }

  // ---- pulling targets -----------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.sourceDone && !this.cancelled && this.inFlight < this.concurrency && this.waiting < this.lookahead) {
        const next = this.syncSource !== null ? this.syncSource.next() : await this.asyncSource!.next();
        // A cancelled run may have ended while we waited on a slow source (stdin): what arrives after is not taken.
        if (this.settled) return;
        if (next.done === true) {
          this.sourceDone = true;
          break;
        }
        if (this.cancelled) {
          // Pulled while cancelling: it was taken, so it gets its result.
          this.admit(next.value);
          break;
        }
        this.admit(next.value);
      }
    } catch (err) {
      this.sourceError = err;
      this.sourceDone = true;
    } finally {
      this.pumping = false;
    }
    this.checkDone();
  }

  /**
   * A cancelled run stops reading its source before the end: tell the source, as `for…of` /
   * `for await` do on `break` (the iteration protocol's `return()`), so a generator's `finally`
   * runs and whatever it holds (a file, stdin, a user's cursor) is released. For an async
   * generator with a `next()` still pending, the return is queued behind it.
   */
  private closeSource(): void {
    try {
      if (this.syncSource !== null) this.syncSource.return?.();
      // A source that fails while closing has nobody left to tell: the run has already ended.
      else if (this.asyncSource?.return !== undefined) this.asyncSource.return().catch(() => {});
    } catch {
      // A sync source's return() threw; same reasoning.
    }
  }

  private admit(prepared: PreparedTarget): void {
    if ('invalid' in prepared) {
      const result: Result = {
        index: prepared.index,
        input: prepared.input,
        url: null,
        method: 'GET',
        status: null,
        ok: false,
        bytes: 0,
        timings: { dns: null, connect: null, tls: null, firstByte: null, total: 0 },
        reused: false,
        error: { code: 'invalid_target', message: prepared.invalid },
        failures: [],
        attempts: 0,
        redirects: [],
        finalUrl: null,
        remoteAddress: null,
        tls: null,
        decodedBytes: null,
      };
      if (prepared.name !== undefined) result.name = prepared.name;
      this.onResult(result);
      return;
    }
    const ex = new Exchange(prepared, prepared.expect ?? this.expect);
    ex.idempotent = IDEMPOTENT.has(prepared.method);
    ex.closeAfter = requestsClose(prepared.headers);
    if (this.cancelled) {
      this.onResult(ex.error(performance.now(), 'cancelled', 'run cancelled before the request started'));
      return;
    }
    const pool = this.poolFor(prepared);
    if (!pool.submit(ex)) this.waiting++;
  }

  private poolFor(target: Target): Pool {
    const key = `${target.protocol}//${target.hostname}:${target.port}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      pool = new Pool(key, target.hostname, target.port, target.protocol === 'https:', this);
      this.pools.set(key, pool);
    }
    return pool;
  }

  // ---- called by pools and connections ------------------------------------------------------

  /** `ex` leaves the queue: its clock and deadlines start now. */
  begin(ex: Exchange): void {
    const now = performance.now();
    ex.start = now;
    ex.deadline = now + (ex.target.timeout ?? this.timeout);
    ex.connectDeadline = now + this.connectTimeout;
    this.active.add(ex);
    this.inFlight++;
    if (this.sweeper === null) this.sweeper = setInterval(() => this.queueSweep(), SWEEP_MS).unref();
  }

  unwaited(): void {
    this.waiting--;
  }

  /** Whether one more request may start without passing `concurrency`. */
  hasRoom(): boolean {
    return this.inFlight < this.concurrency;
  }

  backlogged(pool: Pool): void {
    this.backlog.add(pool);
  }

  /** Starts exchanges that were taken and wait for their origin, while the run has room. */
  private drainBacklog(): void {
    for (const pool of this.backlog) {
      if (!this.hasRoom()) return;
      pool.drain();
      if (pool.waitingCount === 0) this.backlog.delete(pool);
    }
  }

  requestBytes(target: Target): Buffer {
    return serializeRequest(target, this.userAgent);
  }

  /** Exactly one call per exchange: its result is final. */
  finished(ex: Exchange, result: Result, conn: Connection, reusable: boolean): void {
    this.active.delete(ex);
    this.inFlight--;
    this.onResult(result);
    if (reusable && !this.cancelled) conn.pool.release(conn);
    else if (!conn.closed) conn.destroy();
    // Targets already taken go before new ones from the source (and keep their order per origin).
    if (!this.cancelled) this.drainBacklog();
    if (this.inFlight < this.concurrency) void this.pump();
    else this.checkDone();
  }

  /** A kept-alive connection died under `ex` before any response byte: run it again, once, on a fresh one. */
  retryStale(ex: Exchange, stale: Connection): void {
    ex.retried = true;
    ex.reused = false;
    ex.dns = ex.connect = ex.tls = ex.firstByte = null;
    ex.connectDeadline = performance.now() + this.connectTimeout;
    stale.pool.openFresh(ex);
  }

  idleAdded(conn: Connection): void {
    this.idleOrder.add(conn);
    this.idleTotal++;
    // Idle connections to origins that may never be asked again would pile up on a long list of
    // distinct hosts: keep at most `concurrency` of them, closing the longest idle first.
    if (this.idleTotal > this.concurrency) {
      const oldest = this.idleOrder.values().next().value;
      if (oldest !== undefined) oldest.destroy();
    }
    if (this.cancelled) conn.destroy();
  }

  idleTaken(conn: Connection): void {
    if (this.idleOrder.delete(conn)) this.idleTotal--;
  }

  // ---- deadlines and endings -----------------------------------------------------------------

  /**
   * Timers run before the event loop's poll phase. After a long turn (a GC pause, a busy reporter,
   * an overloaded machine) a response may already sit in a socket's buffer, unread: judging
   * deadlines right away would report `timeout` for a server that answered in time. So deadlines
   * are judged in the check phase (setImmediate), after this turn's poll phase has read what
   * arrived — a timeout then means the server was late, not that we were.
   */
  private queueSweep(): void {
    if (this.sweepQueued) return;
    this.sweepQueued = true;
    setImmediate(() => {
      this.sweepQueued = false;
      this.sweep();
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const ex of this.active) {
      const connecting = ex.phase === 'connect' || ex.phase === 'tls';
      if (connecting && now >= ex.connectDeadline && ex.connectDeadline <= ex.deadline) {
        this.timeOut(ex, ex.phase as TimeoutPhase, this.connectTimeout, 'connect timeout');
      } else if (now >= ex.deadline) {
        this.timeOut(ex, ex.phase as TimeoutPhase, ex.target.timeout ?? this.timeout, 'request timeout');
      }
    }
    if (this.active.size === 0) this.stopSweeper();
  }

  private timeOut(ex: Exchange, phase: TimeoutPhase, budget: number, which: string): void {
    const conn = ex.connection;
    if (conn === null) return;
    const label = conn.pool.label;
    let message: string;
    switch (phase) {
      case 'connect':
        message = `connecting to ${label} took over ${budget} ms (${which})`;
        break;
      case 'tls':
        message = `TLS handshake with ${label} took over ${budget} ms (${which})`;
        break;
      case 'headers':
        message = `no response headers from ${label} within ${budget} ms`;
        break;
      default:
        message = `body from ${label} not complete within ${budget} ms (${ex.bytes} bytes read)`;
    }
    conn.failAndClose('timeout', message, phase);
  }

  private stopSweeper(): void {
    if (this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  /** Stop starting requests; everything taken but unfinished is reported `cancelled`. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const pool of this.pools.values()) {
      for (const ex of pool.takeWaiting()) {
        this.onResult(ex.error(performance.now(), 'cancelled', 'run cancelled before the request started'));
      }
      pool.closeIdle();
    }
    this.backlog.clear();
    for (const ex of [...this.active]) {
      ex.connection?.failAndClose('cancelled', `run cancelled during ${ex.phase}`);
    }
    this.checkDone();
  }

  private checkDone(): void {
    if (this.settle === null) return;
    // While cancelling, a pending read of the source must not hold the run open.
    if (this.pumping && !this.cancelled) return;
    if ((this.sourceDone || this.cancelled) && this.inFlight === 0 && this.waiting === 0) this.settle();
  }
}
