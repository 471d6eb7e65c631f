import type { Engine } from './engine.js';
import { Connection } from './connection.js';
import { WakeUp } from './wake.js';
import type { Exchange } from './exchange.js';
import { RateLimiter } from './rate.js';

/**
 * The connections to one origin (scheme, host, port): at most `perHost` open at once; idle ones
 * are reused for later targets of the same origin; exchanges beyond the limit wait here, in order,
 * without their timeouts running (they have not left the queue).
 *
 * When the run is paced (a rate, or retries), a start also needs a token from the run's limiter
 * and from this origin's own (`ratePerHost`), and the origin must not be paused by a 429; an
 * exchange that may not start yet waits here too, and a timer wakes the pool when it may.
 */
export class Pool {
  readonly label: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private waitHead = 0;
  /** Open or opening connections, busy or idle. */
  open = 0;
  /** Whether starts here go through {@link Engine.takeTokens} (false: no rate, no retries). */
  private readonly paced: boolean;
  /** This origin's own pace (`ratePerHost`), halved by a 429 and recovering after. */
  readonly limiter: RateLimiter | null;
  /** performance.now() until which a 429 holds this origin's starts back. */
  private pausedUntil = 0;
  /** 429s in a row from this origin, for the pause's backoff when it sent no Retry-After. */
  strikes = 0;
  private readonly wake = new WakeUp(() => this.engine.poolWoke(this));

  constructor(
    readonly key: string,
    readonly hostname: string,
    readonly port: number,
    readonly tls: boolean,
    private readonly engine: Engine,
  ) {
    this.label = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    this.paced = engine.paced;
    this.limiter = engine.ratePerHost === undefined ? null : new RateLimiter(engine.ratePerHost);
  }

  get waitingCount(): number {
    return this.waiting.length - this.waitHead;
  }

  /** Runs `ex` now if it may start, else queues it behind those already waiting here. */
  submit(ex: Exchange): void {
    if (this.waitingCount === 0) {
      if (this.claim()) this.start(ex);
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
    if (this.claim()) this.start(ex);
    else this.queueFirst(ex);
  }

  /** Queues `ex` ahead of everything waiting here (the next {@link release} hands it the connection). */
  queueFirst(ex: Exchange): void {
    if (this.waitHead > 0) this.waiting[--this.waitHead] = ex;
    else this.waiting.unshift(ex);
    this.engine.waited();
    this.engine.backlogged(this);
  }

  private enqueue(ex: Exchange): void {
    this.waiting.push(ex);
    this.engine.waited();
    this.engine.backlogged(this);
  }

  /**
   * Whether one more request may start here now: a connection is idle or may be opened, the run
   * has room, and (when paced) the rate limiters and a 429 pause allow it — whose tokens are then
   * taken, so call this only right before {@link start}.
   */
  private claim(): boolean {
    if (this.idle.length === 0 && this.open >= this.engine.perHost) return false;
    if (!this.engine.hasRoom()) return false;
    return !this.paced || this.engine.takeTokens(this);
  }

  private start(ex: Exchange): void {
    const conn = this.idle.pop(); // most recently used: the least likely to have been closed by the server
    if (conn !== undefined) {
      this.engine.idleTaken(conn);
      this.engine.begin(ex);
      ex.reused = true;
      conn.send(ex);
      return;
    }
    this.open++;
    this.engine.begin(ex);
    new Connection(this, this.engine).open(ex);
  }

  /** Opens a new connection for `ex`, which already holds its slot (a retry after a stale connection closed). */
  openFresh(ex: Exchange): void {
    this.open++;
    new Connection(this, this.engine).open(ex);
  }

  /** A connection finished a request and may carry another one. */
  release(conn: Connection): void {
    // The run's room is checked because the slot this request freed may already have gone to
    // a redirect's next hop on another origin.
    if (this.waitingCount > 0 && this.engine.hasRoom() && (!this.paced || this.engine.takeTokens(this))) {
      const next = this.shiftWaiting()!;
      this.engine.begin(next);
      next.reused = true;
      conn.send(next);
      return;
    }
    this.idle.push(conn);
    this.engine.idleAdded(conn);
  }

  /** Called once per connection when it closes, whatever the reason. */
  connectionClosed(conn: Connection): void {
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i !== -1) {
      this.idle.splice(i, 1);
      this.engine.idleTaken(conn);
    }
    // A slot opened up: the next waiting exchange may open a fresh connection. Deferred, because
    // we may be inside the closing connection's own callbacks.
    if (this.waitingCount > 0) queueMicrotask(() => this.drain());
    else if (this.open === 0) this.engine.poolEmpty(this);
  }

  /**
   * Starts waiting exchanges while there is room — in this pool, and in the run: an exchange that
   * waited here for its origin still counts against `concurrency` when it starts (without the
   * engine's check, a slot freed by a closed connection was filled twice: once by the next
   * target from the source, once by the waiting exchange). Returns whether it started any.
   */
  drain(): boolean {
    let started = false;
    while (this.waitingCount > 0 && this.claim()) {
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
    this.engine.unwaited();
    return ex;
  }

  /** Removes and returns every waiting exchange (cancellation). */
  takeWaiting(): Exchange[] {
    const rest = this.waiting.slice(this.waitHead);
    this.waiting.length = 0;
    this.waitHead = 0;
    for (let i = 0; i < rest.length; i++) this.engine.unwaited();
    return rest;
  }

  closeIdle(): void {
    for (const conn of this.idle.slice()) conn.destroy();
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
