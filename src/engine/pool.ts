import { performance } from 'node:perf_hooks';
import type { ErrorCode, Rate, Result, TimeoutPhase } from '../types.js';
import { Dial, type DialContext, type DialHandler, type Dialled, type Origin, originOf } from './net/dial.js';
import type { Exchange } from './exchange.js';
import { H1Session } from './h1/session.js';
import { H2Session } from './h2/session.js';
import { RateLimiter } from './rate.js';
import type { Protocol, Session, SessionOptions, SessionOwner } from './session.js';
import { WakeUp } from './wake.js';

/** What a pool reads: the run's settings, fixed for the run and handed over when the pool is made. */
export interface PoolSettings {
  /** Requests in flight per origin (`perHost`): HTTP/1.1 connections, or HTTP/2 streams. */
  readonly perHost: number;
  /**
   * The same, while the origin has not answered yet (no response head of any status in this run):
   * `perHost` when the user set one, else half the run's `concurrency`, so that one origin that
   * never answers, listed first, cannot take every slot of the run.
   */
  readonly perHostUnanswered: number;
  /** Each origin's own pace (`ratePerHost`); undefined: none. */
  readonly ratePerHost: Rate | undefined;
  readonly dialContext: DialContext;
  readonly sessionOptions: SessionOptions;
}

/**
 * What a pool asks of and tells the scheduler that owns it. Declared here so that the pool (and
 * everything below it) never imports the scheduler.
 */
export interface PoolOwner {
  readonly cancelled: boolean;

  // ---- the run's slots
  /**
   * Whether `ex` may start now: the run has room for one more request and, when the run is paced,
   * the run's and `pool`'s limiters allow a start (their tokens are then taken). When it may, `ex`
   * leaves the queue: its clock and deadlines start now, and it holds one of the run's slots.
   */
  claim(ex: Exchange, pool: Pool): boolean;
  /** `ex` goes back to a queue without a result: its slot and deadlines are given back. */
  unclaim(ex: Exchange): void;
  /**
   * No socket could be made for `ex` (EMFILE/ENFILE). Returns true when `ex` should fail now
   * (nothing else is open to free a descriptor); false when its slot and deadlines were given
   * back and it waits again.
   */
  outOfDescriptors(ex: Exchange): boolean;

  // ---- what waits here
  /** One exchange waits in `pool`: serve it when room frees up. */
  queued(pool: Pool): void;
  /** `count` exchanges no longer wait in a pool (started, or taken out). */
  dequeued(count: number): void;
  /** The pool has no connection and nothing waiting. */
  poolEmpty(pool: Pool): void;
  /** The origin's pace (or 429 pause) allows a start again. */
  poolWoke(pool: Pool): void;

  // ---- requests
  /** Whether the response `ex` just got the head of will be followed by another request (redirect, retry). */
  continuesAfter(ex: Exchange, status: number): boolean;
  /** `ex` ended with `result`; `reusable`: its session can carry the next request. Once per exchange. */
  finished(ex: Exchange, result: Result, pool: Pool, reusable: boolean): void;
  /** After a {@link finished} and the pool's own bookkeeping: take more targets. */
  proceed(): void;

  // ---- idle connections (the run keeps at most `concurrency` of them, over all pools)
  idleAdded(session: Session): void;
  idleTaken(session: Session): void;
}

/**
 * The sessions to one origin (scheme, host, port), and the exchanges waiting for one. At most
 * `perHost` requests run at once: over as many HTTP/1.1 connections, or as streams of HTTP/2
 * connections — a second one opens only when the server's SETTINGS_MAX_CONCURRENT_STREAMS is
 * below the demand. Until the origin's first response head, `perHostUnanswered` (see
 * {@link PoolSettings}). Idle connections are reused for later targets; exchanges beyond the limit
 * wait here, in order, without their timeouts running (they have not left the queue).
 *
 * While the origin's protocol is not known yet (https, ALPN offering h2), only one connection is
 * dialled and the others wait for it, as curl does: if it turns out HTTP/2, it carries them all.
 *
 * When the run is paced (a rate, or retries), a start also needs a token from the run's limiter
 * and from this origin's own (`ratePerHost`), and the origin must not be paused by a 429; an
 * exchange that may not start yet waits here too, and a timer wakes the pool when it may.
 */
export class Pool implements SessionOwner, DialHandler {
  readonly label: string;
  readonly origin: Origin;
  /** The origin's protocol, once a connection has said (ALPN), or when there is no choice. */
  protocol: Protocol | null;
  /** HTTP/1.1 connections between requests, most recently used last. */
  private readonly idle: Session[] = [];
  /** HTTP/2 connections (open or draining). */
  private readonly multiplexed: Session[] = [];
  /**
   * HTTP/1.1 connections carrying requests that may take one more pipelined (`pipeline` > 1),
   * the one given a request least recently first.
   */
  private readonly pipelining = new Set<H1Session>();
  /** Requests at once on one HTTP/1.1 connection (`pipeline`); 1: no pipelining. */
  private readonly depth: number;
  private readonly waiting: Exchange[] = [];
  private waitHead = 0;
  /** Dials in progress. */
  private dialling = 0;
  /** The last dial failed: the protocol is still unknown, but waiting for one dial at a time no longer pays. */
  private dialFailed = false;
  /** Requests started here and not finished (dialling, or on a session). */
  private running = 0;
  /**
   * Requests in flight here at most (times `pipeline` when pipelining): `perHostUnanswered` until
   * the origin's first response head ({@link headArrived}), then `perHost`.
   */
  private cap: number;
  /** Open sessions plus dials in progress. */
  private open = 0;
  /** This origin's own pace (`ratePerHost`), halved by a 429 and recovering after. */
  readonly limiter: RateLimiter | null;
  /** performance.now() until which a 429 holds this origin's starts back. */
  private pausedUntil = 0;
  /** 429s in a row from this origin, for the pause's backoff when it sent no Retry-After. */
  strikes = 0;
  private readonly wake = new WakeUp(() => this.owner.poolWoke(this));

  constructor(
    readonly key: string,
    readonly hostname: string,
    readonly port: number,
    readonly tls: boolean,
    private readonly settings: PoolSettings,
    private readonly owner: PoolOwner,
  ) {
    this.origin = originOf(hostname, port, tls);
    this.label = this.origin.label;
    this.depth = settings.sessionOptions.pipeline;
    this.cap = settings.perHostUnanswered;
    this.limiter = settings.ratePerHost === undefined ? null : new RateLimiter(settings.ratePerHost);
    const ctx = settings.dialContext;
    if (!tls) this.protocol = ctx.cleartext;
    else this.protocol = ctx.alpn.includes('h2') ? null : 'h1';
    // An http origin through an http proxy sends absolute-form HTTP/1.1 requests to the proxy.
    if (!tls && ctx.transport.proxyFor(false, hostname, port) !== null) this.protocol = 'h1';
  }

  get waitingCount(): number {
    return this.waiting.length - this.waitHead;
  }

  /** Runs `ex` now if it may start, else queues it behind those already waiting here. */
  submit(ex: Exchange): void {
    if (this.waitingCount === 0) {
      if (this.claim(ex)) this.start(ex);
      else this.enqueue(ex);
      return;
    }
    // Others are waiting: keep their order, and start whoever may start now.
    this.enqueue(ex);
    this.drain();
  }

  /**
   * Runs `ex` — the next request of a target already under way (a redirect's next hop) — now if
   * it may start, else queues it ahead of everything waiting here.
   */
  submitFirst(ex: Exchange): void {
    if (this.claim(ex)) this.start(ex);
    else this.queueFirst(ex);
  }

  /** Queues `ex` ahead of everything waiting here (the next {@link release} hands it the connection). */
  queueFirst(ex: Exchange): void {
    if (this.waitHead > 0) this.waiting[--this.waitHead] = ex;
    else this.waiting.unshift(ex);
    this.owner.queued(this);
  }

  private enqueue(ex: Exchange): void {
    this.waiting.push(ex);
    this.owner.queued(this);
  }

  /** An HTTP/2 session with a free stream, or null. */
  private roomy(): Session | null {
    for (const session of this.multiplexed) if (session.available() > 0) return session;
    return null;
  }

  /** Whether a new connection may be dialled now (see the class comment on unknown protocols). */
  private mayDial(): boolean {
    if (this.protocol === 'h1') return true;
    if (this.dialling > 0) return this.protocol === null && this.dialFailed;
    // HTTP/2: another connection only when every open one is at the server's stream limit.
    for (const session of this.multiplexed) if (!session.full()) return false;
    return true;
  }

  /**
   * Whether one more request may start here now: the origin has room, a session can take it or a
   * connection may be opened, and the run lets it start ({@link PoolOwner.claim}: room, and when
   * paced the rate limiters and a 429 pause). When it may, `ex` has left the queue, holding a slot
   * of the run: call this only right before {@link start}.
   */
  private claim(ex: Exchange): boolean {
    if (this.running >= this.limit()) return false;
    if (this.idle.length === 0 && this.roomy() === null && !this.mayOpen() && this.pipelineFor(ex) === null)
      return false;
    return this.owner.claim(ex, this);
  }

  /**
   * Requests in flight here at most: the {@link cap} — HTTP/1.1 connections or HTTP/2 streams —
   * and, when HTTP/1.1 requests are pipelined, `pipeline` on each of the `cap` connections.
   */
  private limit(): number {
    const cap = this.cap;
    return this.depth > 1 && this.protocol === 'h1' ? cap * this.depth : cap;
  }

  /** Whether a connection may be dialled now: as {@link mayDial}, and no more than the {@link cap} when pipelining. */
  private mayOpen(): boolean {
    if (!this.mayDial()) return false;
    return this.depth === 1 || this.protocol !== 'h1' || this.open < this.cap;
  }

  /** Runs `ex`, which {@link claim} let start. */
  private start(ex: Exchange): void {
    this.running++;
    this.run(ex);
  }

  /** Puts `ex` (its slot held) on a session that can take it, or dials one for it. */
  private run(ex: Exchange): void {
    const idle = this.idle.pop(); // most recently used: the least likely to have been closed by the server
    if (idle !== undefined) {
      this.owner.idleTaken(idle);
      ex.reused = true;
      idle.send(ex);
      if (idle instanceof H1Session && this.depth > 1) this.pipelineChanged(idle);
      return;
    }
    const h2 = this.roomy();
    if (h2 !== null) {
      if (h2.active === 0) this.owner.idleTaken(h2);
      ex.reused = true;
      h2.send(ex);
      return;
    }
    // A new connection before a deeper pipeline.
    const busy = this.mayOpen() ? null : this.pipelineFor(ex);
    if (busy !== null) {
      ex.reused = true;
      busy.pipeline(ex);
      this.pipelineChanged(busy);
      return;
    }
    this.dial(ex);
  }

  // ---- pipelining ------------------------------------------------------------------------------

  /** A busy HTTP/1.1 connection that may take `ex` pipelined now, or null. */
  private pipelineFor(ex: Exchange): H1Session | null {
    if (this.pipelining.size === 0 || !ex.idempotent || ex.closeAfter) return null;
    for (const session of this.pipelining) {
      if (session.pipelineRoom() > 0) return session;
      this.pipelining.delete(session);
    }
    return null;
  }

  /**
   * `session`'s room for pipelined requests may have changed: listed while it has some, at the
   * back, so the next request goes to another connection and the pipelines stay even.
   */
  private pipelineChanged(session: H1Session): void {
    this.pipelining.delete(session);
    if (session.pipelineRoom() > 0) this.pipelining.add(session);
  }

  /** Pipelines waiting requests on `session`, in their order, while it and the run have room. */
  private fillPipeline(session: H1Session): void {
    while (this.waitingCount > 0 && session.pipelineRoom() > 0 && this.running < this.limit()) {
      const next = this.waiting[this.waitHead]!;
      if (!next.idempotent || next.closeAfter) break;
      if (!this.owner.claim(next, this)) break;
      this.shiftWaiting();
      this.running++;
      next.reused = true;
      session.pipeline(next);
    }
    this.pipelineChanged(session);
  }

  unanswered(ex: Exchange, session: Session): void {
    if (this.owner.cancelled) {
      this.end(ex, ex.error(performance.now(), 'cancelled', `run cancelled during ${ex.phase}`), session, false);
      return;
    }
    ex.leaveConnection();
    this.running--;
    this.owner.unclaim(ex);
    ex.phase = 'queued';
    this.queueFirst(ex);
  }

  private dial(ex: Exchange): void {
    this.dialling++;
    this.open++;
    new Dial(this.origin, this.settings.dialContext, ex, this).start();
  }

  // ---- DialHandler -----------------------------------------------------------------------------

  ready(_dial: Dial, ex: Exchange, dialled: Dialled): void {
    this.dialling--;
    this.dialFailed = false;
    this.protocol ??= dialled.protocol;
    const options = this.settings.sessionOptions;
    if (dialled.protocol === 'h2') {
      const session = new H2Session(this, this.label, dialled, options);
      this.multiplexed.push(session);
      session.send(ex);
    } else {
      const session = new H1Session(this, this.label, dialled, options);
      session.send(ex);
    }
    // The protocol is known now: what waited for this dial may start (on it, or on its own).
    if (this.waitingCount > 0) this.drain();
  }

  failed(_dial: Dial, ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    this.dialling--;
    this.open--;
    if (this.protocol === null) this.dialFailed = true;
    this.end(ex, ex.error(performance.now(), code, message, phase), null, false);
    this.checkEmpty();
  }

  outOfDescriptors(_dial: Dial, ex: Exchange, errno: string): void {
    this.dialling--;
    this.open--;
    if (this.owner.outOfDescriptors(ex)) {
      const message = `cannot open a socket to ${this.label}: ${errno} (out of file descriptors, nothing else open)`;
      this.end(ex, ex.error(performance.now(), 'connect', message), null, false);
      return;
    }
    // A high concurrency must slow the run down, not fail targets: back to the head of the
    // queue (its timeouts start again when it leaves it).
    this.running--;
    ex.phase = 'queued';
    ex.leaveConnection();
    this.queueFirst(ex);
  }

  // ---- SessionOwner ----------------------------------------------------------------------------

  finished(ex: Exchange, result: Result, session: Session, reusable: boolean): void {
    this.end(ex, result, session, reusable);
  }

  continuesAfter(ex: Exchange, status: number): boolean {
    return this.owner.continuesAfter(ex, status);
  }

  /**
   * The origin answers: from now on it may use its full `perHost`. What waits here for the room
   * starts — deferred, as we are inside the session's response handling.
   */
  headArrived(): void {
    if (this.cap === this.settings.perHost) return;
    this.cap = this.settings.perHost;
    if (this.waitingCount > 0) queueMicrotask(() => this.drain());
  }

  /**
   * `ex` runs again without counting as an attempt. After a stale HTTP/1.1 connection it runs on a
   * fresh one at once, keeping its slot (a kept-alive one could be stale too); a refused HTTP/2
   * stream goes back to the head of the queue, its clock stopped until it leaves again.
   */
  requeue(ex: Exchange, session: Session): void {
    ex.leaveConnection();
    if (session.protocol === 'h1') {
      ex.connectFrom = performance.now();
      this.dial(ex);
      return;
    }
    this.running--;
    this.owner.unclaim(ex);
    ex.phase = 'queued';
    this.queueFirst(ex);
    queueMicrotask(() => this.drain());
  }

  roomChanged(session: Session): void {
    if (session instanceof H1Session) this.pipelineChanged(session);
    if (this.waitingCount > 0) this.drain();
  }

  /** Called once per session when it closes, whatever the reason. */
  closed(session: Session): void {
    this.open--;
    if (session instanceof H1Session) this.pipelining.delete(session);
    const i = this.idle.indexOf(session);
    if (i !== -1) {
      this.idle.splice(i, 1);
      this.owner.idleTaken(session);
    }
    const j = this.multiplexed.indexOf(session);
    if (j !== -1) {
      this.multiplexed.splice(j, 1);
      this.owner.idleTaken(session);
    }
    // A slot opened up: the next waiting exchange may open a fresh connection. Deferred, because
    // we may be inside the closing session's own callbacks.
    if (this.waitingCount > 0) queueMicrotask(() => this.drain());
    else this.checkEmpty();
  }

  private checkEmpty(): void {
    if (this.open === 0 && this.waitingCount === 0) this.owner.poolEmpty(this);
  }

  /** One exchange is over: report it, then give its session the next request or let it rest. */
  private end(ex: Exchange, result: Result, session: Session | null, reusable: boolean): void {
    this.running--;
    this.owner.finished(ex, result, this, reusable);
    if (session !== null) {
      if (session.protocol === 'h1') {
        if (reusable && !this.owner.cancelled) this.release(session);
        // Still carrying pipelined requests when one behind the current one failed alone.
        else if (session.active === 0) session.destroy();
      } else if (session.state === 'open') {
        this.fill(session);
      }
    }
    this.owner.proceed();
  }

  /** An HTTP/1.1 connection finished a request and may carry another one. */
  private release(session: Session): void {
    if (session.active > 0 && session instanceof H1Session) {
      // A pipelined request is now in front: fill the place its predecessor freed.
      this.fillPipeline(session);
      return;
    }
    // The run's room is checked because the slot this request freed may already have gone to
    // a redirect's next hop on another origin.
    if (this.waitingCount > 0 && this.running < this.limit() && this.owner.claim(this.waiting[this.waitHead]!, this)) {
      const next = this.shiftWaiting()!;
      this.running++;
      next.reused = true;
      session.send(next);
      if (session instanceof H1Session && this.depth > 1) this.fillPipeline(session);
      return;
    }
    this.idle.push(session);
    this.owner.idleAdded(session);
  }

  /** An HTTP/2 connection has a free stream: start what waits on it, or let it rest. */
  private fill(session: Session): void {
    if (this.owner.cancelled) {
      if (session.active === 0) session.destroy();
      return;
    }
    while (this.waitingCount > 0 && session.available() > 0 && this.claim(this.waiting[this.waitHead]!)) {
      const next = this.shiftWaiting()!;
      this.running++;
      next.reused = true;
      session.send(next);
    }
    if (session.active === 0 && session.state === 'open') this.owner.idleAdded(session);
  }

  /**
   * Starts waiting exchanges while there is room — in this pool, and in the run: an exchange that
   * waited here for its origin still counts against `concurrency` when it starts (without the
   * run's check, a slot freed by a closed connection was filled twice: once by the next target
   * from the source, once by the waiting exchange). Returns whether it started any.
   */
  drain(): boolean {
    let started = false;
    while (this.waitingCount > 0 && this.claim(this.waiting[this.waitHead]!)) {
      this.start(this.shiftWaiting()!);
      started = true;
    }
    return started;
  }

  private shiftWaiting(): Exchange | undefined {
    if (this.waitHead >= this.waiting.length) return undefined;
    const ex = this.waiting[this.waitHead];
    this.waiting[this.waitHead] = undefined as unknown as Exchange;
    this.waitHead++;
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitHead);
      this.waitHead = 0;
    }
    this.owner.dequeued(1);
    return ex;
  }

  /** Removes and returns every waiting exchange (cancellation). */
  takeWaiting(): Exchange[] {
    const rest = this.waiting.slice(this.waitHead);
    this.waiting.length = 0;
    this.waitHead = 0;
    this.owner.dequeued(rest.length);
    return rest;
  }

  /** Closes the connections that carry nothing. */
  closeIdle(): void {
    for (const session of this.idle.slice()) session.destroy();
    for (const session of this.multiplexed.slice()) if (session.active === 0) session.destroy();
  }

  // ---- pacing (only when the run is paced) ---------------------------------------------------

  /** Milliseconds until this origin's own pace and any 429 pause allow a start; 0 when they do now. */
  blockedFor(now: number): number {
    const own = this.limiter === null ? 0 : this.limiter.wait(now);
    const paused = this.pausedUntil - now;
    return Math.max(paused, own);
  }

  /** A start happened here at `now`. */
  took(now: number): void {
    this.limiter?.take(now);
  }

  /**
   * The origin answered 429 to a request started at `startedAt`: hold its starts back for
   * `pauseMs`, and halve its own rate (at most once per window, see RateLimiter.backOff).
   */
  tooManyRequests(now: number, pauseMs: number, startedAt: number): void {
    this.strikes++;
    if (now + pauseMs > this.pausedUntil) this.pausedUntil = now + pauseMs;
    this.limiter?.backOff(startedAt, now);
  }

  /** Wakes the pool in `ms` (or sooner, if a wake-up is already due sooner) to start what waits. */
  wakeIn(ms: number): void {
    this.wake.in(ms);
  }

  stopTimers(): void {
    this.wake.stop();
  }
}
