import type { Engine } from './engine.js';
import { Connection } from './connection.js';
import type { Exchange } from './exchange.js';

/**
 * The connections to one origin (scheme, host, port): at most `perHost` open at once; idle ones
 * are reused for later targets of the same origin; exchanges beyond the limit wait here, in order,
 * without their timeouts running (they have not left the queue).
 */
export class Pool {
  readonly label: string;
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private waitHead = 0;
  /** Open or opening connections, busy or idle. */
  open = 0;

  constructor(
    readonly key: string,
    readonly hostname: string,
    readonly port: number,
    readonly tls: boolean,
    private readonly engine: Engine,
  ) {
    this.label = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  }

  get waitingCount(): number {
    return this.waiting.length - this.waitHead;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Runs `ex` now if a connection is free or may be opened, else queues it. Returns true when it started. */
  submit(ex: Exchange): boolean {
    if (this.runNow(ex)) return true;
    this.waiting.push(ex);
    this.engine.backlogged(this);
    return false;
  }

  private runNow(ex: Exchange): boolean {
    const conn = this.idle.pop(); // most recently used: the least likely to have been closed by the server
    if (conn !== undefined) {
      this.engine.idleTaken(conn);
      this.engine.begin(ex);
      ex.reused = true;
      conn.send(ex);
      return true;
    }
    if (this.open < this.engine.perHost) {
      this.open++;
      this.engine.begin(ex);
      new Connection(this, this.engine).open(ex);
      return true;
    }
    return false;
  }

  /** Opens a new connection for `ex`, which already holds its slot (a retry after a stale connection closed). */
  openFresh(ex: Exchange): void {
    this.open++;
    new Connection(this, this.engine).open(ex);
  }

  /** A connection finished a request and may carry another one. */
  release(conn: Connection): void {
    const next = this.shiftWaiting();
    if (next !== undefined) {
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
  }

  /**
   * Starts waiting exchanges while there is room — in this pool, and in the run: an exchange that
   * waited here for its origin still counts against `concurrency` when it starts (without the
   * engine's check, a slot freed by a closed connection was filled twice: once by the next
   * target from the source, once by the waiting exchange).
   */
  drain(): void {
    while (this.waitingCount > 0 && this.engine.hasRoom()) {
      const ex = this.waiting[this.waitHead];
      if (ex === undefined || !this.runNowPeek(ex)) break;
    }
  }

  private runNowPeek(ex: Exchange): boolean {
    if (this.idle.length === 0 && this.open >= this.engine.perHost) return false;
    this.shiftWaiting();
    return this.runNow(ex);
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
}
