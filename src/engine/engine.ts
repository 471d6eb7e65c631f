import { performance } from 'node:perf_hooks';
import type { Expectation } from '../expect/check.js';
import type { PreparedTarget, Result, RunOptions, Target } from '../types.js';
import { isRunConfig, type RunConfig, resolveRunConfig } from '../config/run-config.js';
import { defaultConnector, type Connector } from './net/connector.js';
import type { DialContext } from './net/dial.js';
import type { DnsCache, LookupFn } from './dns/cache.js';
import { dnsCacheFor, type ResolverFiles } from './dns/setup.js';
import { Exchange } from './exchange.js';
import { Deadlines } from './deadlines.js';
import { Bodies, type BodySinks } from './bodies/bodies.js';
import { HeadCapture } from './heads.js';
import { Pool, type PoolOwner, type PoolSettings } from './pool.js';
import type { Session, SessionOptions } from './session.js';
import { TlsSessions } from './net/tls-sessions.js';
import { copyOrigin, unsentResult } from './unsent-result.js';
import { WakeUp } from './wake.js';
import { RateLimiter } from './rate.js';
import { FollowUps } from './follow-ups.js';
import { Transport } from './net/transport.js';
import { type BufferedSource, isBuffered } from './source.js';
import { Held } from './held.js';
import { HostErrors } from './host-errors.js';

/** What the engine takes besides its {@link RunConfig}: tests hand in their own sockets and resolver. */
export interface EngineHooks {
  /** Opens sockets; tests hand in their own. */
  connector?: Connector;
  /** Resolves names; tests hand in their own (the hosts file is then not read). */
  lookup?: LookupFn;
  /** Where the system resolver's files are; tests hand in their own. */
  resolverFiles?: ResolverFiles;
  /** Abort the run: stop taking targets; those already taken but not finished are reported `cancelled`. */
  signal?: AbortSignal;
  /** Who else reads final response bodies (the crawler, the sitemap reader): see {@link BodySinks}. */
  bodySinks?: BodySinks;
}

/** Run options not yet validated, plus hooks: what tests pass to {@link runTargets}. */
export type EngineOptions = RunOptions & EngineHooks;

/**
 * The event loop's bookkeeping: pulls targets only as fast as it can start them, runs each as an
 * {@link Exchange} on a per-origin {@link Pool}, sweeps deadlines, and hands every target exactly
 * one {@link Result}. It never prints and never exits.
 */
export class Engine implements PoolOwner {
  readonly dns: DnsCache;
  private readonly perHost: number;
  /** What every pool of the run reads. */
  private readonly poolSettings: PoolSettings;
  /** TLS context, pinned names, proxies, content decoding: built once per run (net/transport.ts). */
  readonly transport: Transport;
  /** Saving, hashing and content checks of bodies (bodies/bodies.ts). */
  readonly bodies: Bodies;
  /** Heads kept for results (`responseHeaders`, `requestHeaders`); null: none. */
  private readonly heads: { readonly request: boolean } | null;
  /** Starts go through {@link takeTokens}: a rate is set, or retries are (a 429 then pauses its origin). */
  private readonly paced: boolean;
  private readonly concurrency: number;
  private readonly timeout: number;
  private readonly expect: Expectation;
  private readonly userAgent: string;
  /** How many targets may wait for a per-origin slot, so other origins keep moving meanwhile. */
  private readonly lookahead: number;
  /**
   * How many of those may wait for one origin: past it, what the source gives for that origin is
   * {@link held} and reading goes on, so one slow or dead origin cannot fill the look-ahead.
   */
  private readonly originQueue: number;
  /** Targets read past a full origin queue; reading stops while it holds {@link holdLimit}. */
  private readonly held = new Held();
  private readonly holdLimit: number;
  /** `maxHostErrors`: origins skipped after that many connection errors or timeouts in a row; null when off. */
  private readonly hostErrors: HostErrors | null;
  /** Redirects, retries and 429 pacing; null when none is asked for (a run then pays nothing for them). */
  private readonly followUps: FollowUps | null;
  /** The run-wide `rate`. */
  private readonly limiter: RateLimiter | null;
  /** When the run's limiter next allows a start: then serve the waiting origins, in turn. */
  private readonly wake = new WakeUp(() => {
    this.drainBacklog();
    void this.pump();
  });

  /**
   * The origins' pools by host name, then found by port and scheme: looked up per request, so no
   * key string is built and hashed per request.
   */
  private readonly pools = new Map<string, Pool[]>();
  /** Pools with exchanges waiting for a connection; they are served before new targets are taken. */
  private readonly backlog = new Set<Pool>();
  private readonly deadlines: Deadlines;
  private inFlight = 0;
  /**
   * Requests allowed in flight while the process is short of file descriptors (EMFILE): lowered
   * to what was open when a socket could not be made, then raised by one per finished request.
   */
  private fdCap = Infinity;
  private fdTimer: NodeJS.Timeout | null = null;
  private waiting = 0;
  /** Idle connections of every pool, longest idle first. */
  private readonly idleOrder = new Set<Session>();

  private syncSource: Iterator<PreparedTarget> | null = null;
  private asyncSource: AsyncIterator<PreparedTarget> | null = null;
  /** {@link asyncSource} when it can hand over targets it holds without a promise (source.ts). */
  private bufferedSource: BufferedSource<PreparedTarget> | null = null;
  private pumping = false;
  private sourceDone = false;
  cancelled = false;
  private sourceError: unknown = null;
  private settle: (() => void) | null = null;
  private settled = false;
  /** Aborted by {@link cancel}: stops work that is not a request (creating the output directory). */
  private readonly stopping = new AbortController();

  /**
   * @param config the run's options, validated once ({@link resolveRunConfig}); raw options (as
   *   tests pass them) are validated here, with the hooks taken out first.
   */
  constructor(
    private readonly onResult: (result: Result) => void,
    config: RunConfig | EngineOptions = {},
    hooks: EngineHooks = {},
  ) {
    let options: RunConfig;
    if (isRunConfig(config)) options = config;
    else {
      const { connector, lookup, resolverFiles, signal, bodySinks, ...run } = config;
      hooks = {
        ...(connector === undefined ? {} : { connector }),
        ...(lookup === undefined ? {} : { lookup }),
        ...(resolverFiles === undefined ? {} : { resolverFiles }),
        ...(signal === undefined ? {} : { signal }),
        ...(bodySinks === undefined ? {} : { bodySinks }),
        ...hooks,
      };
      options = resolveRunConfig(run);
    }
    this.concurrency = options.concurrency;
    // Without a per-origin cap, one origin may use every slot of the run, as with curl -Z (a default
    // cap of 6 once made `-c 100` against one host run 6 at a time, with no hint).
    this.perHost = options.perHost ?? options.concurrency;
    this.timeout = options.timeout;
    this.deadlines = new Deadlines(options.connectTimeout, this.timeout);
    this.expect = options.expect;
    this.userAgent = options.userAgent;
    this.transport = new Transport(options, this.userAgent);
    this.bodies = new Bodies(options, hooks.bodySinks ?? null);
    this.heads = options.responseHeaders || options.requestHeaders ? { request: options.requestHeaders } : null;
    this.dns = dnsCacheFor(options, hooks);
    const dialContext: DialContext = {
      connector: hooks.connector ?? defaultConnector,
      dns: this.dns,
      transport: this.transport,
      verify: !options.insecure,
      tlsSessions: new TlsSessions(),
      // As curl: h2 offered first on https unless HTTP/1.1 is forced (RFC 7301 §3.1, RFC 9113 §3.2).
      alpn: options.http1Only ? ['http/1.1'] : ['h2', 'http/1.1'],
      cleartext: options.http2PriorKnowledge ? 'h2' : 'h1',
    };
    const sessionOptions: SessionOptions = {
      transport: this.transport,
      maxHeaderBytes: options.maxHeaderBytes,
      maxBytes: options.maxBytes,
      // A response that is decoded or saved finishes after its last byte is read, while the next
      // pipelined response would already be arriving: such runs do not pipeline.
      pipeline: options.compressed || options.outputDir !== undefined ? 1 : options.pipeline,
    };
    this.lookahead = Math.max(256, this.concurrency * 4);
    this.originQueue = Math.min(this.lookahead, Math.max(64, 2 * this.perHost));
    // A few thousand targets read ahead (an Exchange each, about a KiB): enough to reach the
    // healthy origins behind a dead one's first thousands of targets.
    this.holdLimit = Math.max(4096, this.concurrency * 16);
    this.hostErrors = options.maxHostErrors === undefined ? null : new HostErrors(options.maxHostErrors);
    const retries = options.retries;
    this.limiter = options.rate === undefined ? null : new RateLimiter(options.rate);
    const ratePerHost = options.ratePerHost;
    // Built once here so a bad per-host rate throws now, not at the first start.
    if (ratePerHost !== undefined) new RateLimiter(ratePerHost);
    this.paced = this.limiter !== null || ratePerHost !== undefined || retries > 0;
    // Without a per-origin cap, an origin that has not answered yet may hold only half the slots
    // (issue 24): 2,000 targets on an origin that never answers, listed first, took all of `-c`,
    // and the healthy origins behind it waited for its timeouts. Its first response head lifts
    // the cap to `concurrency` (pool.ts); a slow single host loses at most half its width until then.
    const perHostUnanswered = options.perHost ?? Math.max(1, Math.ceil(this.concurrency / 2));
    this.poolSettings = { perHost: this.perHost, perHostUnanswered, ratePerHost, dialContext, sessionOptions };
    const follow = options.follow;
    this.followUps =
      follow || this.paced
        ? new FollowUps(
            {
              report: (result) => this.onResult(result),
              resubmit: (next) => this.poolFor(next.target).submit(next),
              forgetName: (hostname) => this.dns.forget(hostname),
            },
            {
              follow,
              maxRedirects: options.maxRedirects,
              retries,
              retryDelay: options.retryDelay,
              retryMaxDelay: options.retryMaxDelay,
              retryAllMethods: options.retryAllMethods,
              paced: this.paced,
            },
          )
        : null;
    if (hooks.signal !== undefined) {
      const signal = hooks.signal;
      if (signal.aborted) {
        this.cancelled = true;
        this.stopping.abort();
      } else signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
  }

  /** Runs every target; resolves when each has produced its result. */
  run(targets: Iterable<PreparedTarget> | AsyncIterable<PreparedTarget>): Promise<void> {
    if (Symbol.asyncIterator in targets) {
      const source = targets[Symbol.asyncIterator]();
      this.asyncSource = source;
      if (isBuffered(source)) this.bufferedSource = source;
    } else this.syncSource = targets[Symbol.iterator]();
    return new Promise<void>((resolve, reject) => {
      const out = this.bodies.out;
      this.settle = () => {
        this.settle = null;
        this.settled = true;
        if (this.fdTimer !== null) clearTimeout(this.fdTimer);
        this.deadlines.stop();
        this.dns.close();
        this.stopWakeTimers();
        for (const pool of this.allPools()) pool.closeIdle();
        if (!this.sourceDone) this.closeSource();
        const end = (): void => (this.sourceError !== null ? reject(this.sourceError) : resolve());
        // Temp files of failed bodies are removed before the run says it is over.
        if (out === null) end();
        else void out.idle().then(end);
      };
      // The output directory is checked before any request: a bad one is a usage error, not a
      // `write` error on every target.
      // A cancel while it is being created stops that too (it may be slow, see makeDirs): the
      // run then ends with nothing taken.
      if (out === null) void this.pump();
      else
        out.prepare(this.stopping.signal).then(
          () => void this.pump(),
          (err: unknown) => (this.cancelled ? void this.pump() : reject(err)),
        );
    });
  }

  // ---- pulling targets -----------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (
        !this.sourceDone &&
        !this.cancelled &&
        this.inFlight < this.concurrency &&
        this.waiting < this.lookahead &&
        this.held.size < this.holdLimit
      ) {
        // A target the source already holds is taken without a promise; only a source that has
        // to wait (for input, for output to drain) costs an await.
        let target = this.bufferedSource?.takeNow();
        if (target === undefined) {
          const next = this.syncSource !== null ? this.syncSource.next() : await this.asyncSource!.next();
          // A cancelled run may have ended while we waited on a slow source (stdin): what arrives after is not taken.
          if (this.settled) return;
          if (next.done === true) {
            this.sourceDone = true;
            break;
          }
          target = next.value;
        }
        if (this.cancelled) {
          // Pulled while cancelling: it was taken, so it gets its result.
          this.admit(target);
          break;
        }
        this.admit(target);
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
      const result = unsentResult(prepared.index, prepared.input, {
        code: prepared.code ?? 'invalid_target',
        message: prepared.invalid,
      });
      if (prepared.name !== undefined) result.name = prepared.name;
      copyOrigin(prepared, result);
      if (this.bodies.hash !== null) result[this.bodies.hash] = null;
      this.onResult(result);
      return;
    }
    const ex = new Exchange(prepared, prepared.expect ?? this.expect);
    ex.bodies = this.bodies;
    if (this.heads !== null) ex.heads = new HeadCapture(this.heads.request);
    // Targets are admitted in input order: names claimed here do not depend on timing.
    ex.saveAs = this.bodies.claim(prepared);
    if (this.cancelled) {
      this.onResult(this.neverStarted(ex, 'run cancelled before the request started'));
      return;
    }
    const pool = this.poolFor(prepared);
    const skipped = this.hostErrors?.reason(pool.key);
    if (skipped !== undefined) this.onResult(this.neverStarted(ex, skipped, 'skipped'));
    else if (this.held.has(pool) || pool.waitingCount >= this.originQueue) this.held.add(pool, ex);
    else pool.submit(ex);
  }

  /** Held targets go to their origins' queues as those have room again. */
  private refill(): void {
    if (this.held.size === 0) return;
    this.held.refill(
      (pool) => pool.waitingCount < this.originQueue,
      (pool, ex) => pool.submit(ex),
    );
  }

  /** An origin reached `maxHostErrors`: what waits for it, or is held for it, ends now as `skipped`. */
  private skipOrigin(pool: Pool, reason: string): void {
    this.backlog.delete(pool);
    for (const ex of [...pool.takeWaiting(), ...this.held.take(pool)]) {
      this.onResult(this.neverStarted(ex, reason, 'skipped'));
    }
  }

  private poolFor(target: Target): Pool {
    const tls = target.protocol === 'https:';
    const same = this.pools.get(target.hostname);
    if (same !== undefined) {
      for (let i = 0; i < same.length; i++) {
        const pool = same[i]!;
        if (pool.port === target.port && pool.tls === tls) return pool;
      }
    }
    const key = `${target.protocol}//${target.hostname}:${target.port}`;
    const pool = new Pool(key, target.hostname, target.port, tls, this.poolSettings, this);
    if (same === undefined) this.pools.set(target.hostname, [pool]);
    else same.push(pool);
    return pool;
  }

  /** A snapshot: pools may be dropped ({@link poolEmpty}) while the caller goes through them. */
  private allPools(): Pool[] {
    const all: Pool[] = [];
    for (const same of this.pools.values()) all.push(...same);
    return all;
  }

  // ---- PoolOwner: called by pools ----------------------------------------------------------

  /** `ex` may start if the run has room and, when paced, the limiters allow it (tokens taken). */
  claim(ex: Exchange, pool: Pool): boolean {
    if (!this.hasRoom()) return false;
    if (this.paced && !this.takeTokens(pool)) return false;
    // `ex` leaves the queue: its clock and deadlines start now.
    ex.start = performance.now();
    ex.connectFrom = null;
    this.deadlines.add(ex);
    this.inFlight++;
    return true;
  }

  queued(pool: Pool): void {
    this.waiting++;
    this.backlog.add(pool);
  }

  /**
   * A pool with no connection and nothing waiting is dropped, so a long list over many distinct
   * origins does not keep one pool per origin for the whole run. Not when paced: a pool then
   * carries its origin's rate and 429 pause, which must outlive its connections.
   */
  poolEmpty(pool: Pool): void {
    if (this.paced) return;
    const same = this.pools.get(pool.hostname);
    const at = same?.indexOf(pool) ?? -1;
    if (same === undefined || at === -1) return;
    if (same.length === 1) this.pools.delete(pool.hostname);
    else same.splice(at, 1);
  }

  dequeued(count: number): void {
    this.waiting -= count;
  }

  /** Whether one more request may start without passing `concurrency`. */
  private hasRoom(): boolean {
    return this.inFlight < this.concurrency && this.inFlight < this.fdCap;
  }

  /**
   * No socket could be made for `ex` (EMFILE/ENFILE: out of file descriptors). A high
   * `--concurrency` must slow the run down, not fail targets: `ex` goes back to the head of its
   * origin's queue (the pool puts it there; its timeouts start again when it leaves it), and
   * fewer requests run at once until descriptors free up. Only when nothing else is open to free
   * any does it fail, after a few tries.
   */
  outOfDescriptors(ex: Exchange): boolean {
    ex.fdStalls++;
    if (this.inFlight <= 1 && ex.fdStalls > 20) return true;
    this.unclaim(ex);
    this.fdCap = Math.max(1, this.inFlight);
    // Nothing may finish to make room (all stalled): look again shortly. Not unref'd — the run
    // waits for the requeued request.
    if (this.fdTimer === null) {
      this.fdTimer = setTimeout(() => {
        this.fdTimer = null;
        if (!this.cancelled) this.drainBacklog();
      }, 50);
    }
    return false;
  }

  unclaim(ex: Exchange): void {
    this.deadlines.delete(ex);
    this.inFlight--;
  }

  /** Starts exchanges that were taken and wait for their origin, while the run has room. */
  private drainBacklog(): void {
    if (this.backlog.size === 0) return;
    const run = this.limiter;
    for (const pool of this.backlog) {
      if (!this.hasRoom()) return;
      const started = pool.drain();
      if (pool.waitingCount === 0) this.backlog.delete(pool);
      else if (run !== null && run.wait(performance.now()) > 0) {
        // Out of run-wide tokens, so no origin can start anything now. The one that took the
        // last token goes to the back of the line: the next token is the next origin's.
        if (started) {
          this.backlog.delete(pool);
          this.backlog.add(pool);
        }
        return;
      }
    }
  }

  /**
   * A paced start: takes a token from the origin's limiter and the run's, or — when either (or a
   * 429 pause) says not yet — takes nothing and sets a timer to try again when it may.
   */
  private takeTokens(pool: Pool): boolean {
    const now = performance.now();
    const own = pool.blockedFor(now);
    if (own > 0) {
      pool.wakeIn(own);
      return false;
    }
    const run = this.limiter;
    if (run !== null) {
      const wait = run.wait(now);
      if (wait > 0) {
        this.wake.in(wait);
        return false;
      }
      run.take(now);
    }
    pool.took(now);
    return true;
  }

  /** A pool's own pace (or 429 pause) allows a start again. */
  poolWoke(pool: Pool): void {
    if (this.cancelled || this.settled) return;
    pool.drain();
    if (pool.waitingCount === 0) this.backlog.delete(pool);
    void this.pump();
  }

  private stopWakeTimers(): void {
    this.wake.stop();
    for (const pool of this.allPools()) pool.stopTimers();
  }

  /**
   * Exactly one call per exchange. Its result is the target's unless a redirect is followed or the
   * attempt is retried ({@link FollowUps}): then a later exchange's is.
   */
  finished(ex: Exchange, result: Result, pool: Pool, reusable: boolean): void {
    this.deadlines.delete(ex);
    this.inFlight--;
    if (this.hostErrors !== null) {
      const skip = this.hostErrors.record(pool.key, pool.label, result);
      if (skip !== null) this.skipOrigin(pool, skip);
    }
    if (this.fdCap !== Infinity && ++this.fdCap >= this.concurrency) this.fdCap = Infinity;
    if (this.followUps !== null) {
      const hop = this.followUps.after(ex, result, pool, this.cancelled);
      if (hop !== null) {
        const next = this.poolFor(hop.target);
        // The next hop takes the slot this request freed: on this very connection when it goes
        // to the same origin (the pool hands it the connection next), else on its own origin's pool.
        if (next === pool && reusable) next.queueFirst(hop);
        else next.submitFirst(hop);
      }
    } else {
      this.onResult(result);
    }
  }

  /** A request ended and its pool has settled its connection: start what may start now. */
  proceed(): void {
    // Targets already taken go before new ones from the source (and keep their order per origin).
    if (!this.cancelled) {
      this.refill();
      this.drainBacklog();
    }
    if (this.inFlight < this.concurrency) void this.pump();
    else this.checkDone();
  }

  /** Whether the response `ex` just got the head of will be followed by another request (redirect, retry). */
  continuesAfter(ex: Exchange, status: number): boolean {
    return this.followUps?.continuesAfter(ex, status) ?? false;
  }

  idleAdded(session: Session): void {
    this.idleOrder.add(session);
    // Idle connections to origins that may never be asked again would pile up on a long list of
    // distinct hosts: keep at most `concurrency` of them, closing the longest idle first.
    if (this.idleOrder.size > this.concurrency) {
      const oldest = this.idleOrder.values().next().value;
      if (oldest !== undefined) oldest.destroy();
    }
    if (this.cancelled) session.destroy();
  }

  idleTaken(session: Session): void {
    this.idleOrder.delete(session);
  }

  // ---- endings -------------------------------------------------------------------------------

  /** Stop starting requests; everything taken but unfinished is reported `cancelled`. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stopping.abort();
    for (const pool of this.allPools()) {
      for (const ex of pool.takeWaiting()) {
        this.onResult(this.neverStarted(ex, 'run cancelled before the request started'));
      }
      pool.closeIdle();
    }
    for (const ex of this.held.take()) this.onResult(this.neverStarted(ex, 'run cancelled before the request started'));
    this.backlog.clear();
    this.stopWakeTimers();
    this.followUps?.cancelPending((ex, message) => this.onResult(this.neverStarted(ex, message)));
    for (const ex of [...this.deadlines.active]) {
      ex.connection?.fail(ex, 'cancelled', `run cancelled during ${ex.phase}`);
    }
    this.checkDone();
  }

  /** The result of an exchange that never left the queue (`cancelled`, `skipped`): no phase ran, so its total is 0. */
  private neverStarted(ex: Exchange, message: string, code: 'cancelled' | 'skipped' = 'cancelled'): Result {
    const now = performance.now();
    ex.start = now;
    return ex.error(now, code, message);
  }

  private checkDone(): void {
    if (this.settle === null) return;
    // While cancelling, a pending read of the source must not hold the run open.
    if (this.pumping && !this.cancelled) return;
    if (
      (this.sourceDone || this.cancelled) &&
      this.inFlight === 0 &&
      this.waiting === 0 &&
      this.held.size === 0 &&
      (this.followUps?.pending ?? 0) === 0
    ) {
      this.settle();
    }
  }
}
