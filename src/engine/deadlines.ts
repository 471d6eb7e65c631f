import type { TimeoutPhase } from '../types.js';
import type { Exchange } from './exchange.js';

/** How often deadlines are checked. Timeouts fire within this much of their budget. */
const SWEEP_MS = 10;

/**
 * The deadlines of every request in flight, checked by one coarse sweep every few milliseconds
 * instead of a timer per phase per request. Each request's clock starts when it leaves the queue
 * (Engine.claim). Neither deadline is kept per exchange (every double field is a
 * 16-byte box per request): the request's timeout (the target's own, else the run's) counts
 * from `start` and covers the whole request; `connectTimeout` covers DNS + TCP + TLS and counts
 * from `start`, or from `connectFrom` when the request was moved to a fresh connection.
 */
export class Deadlines {
  /** Requests in flight (left the queue, not finished). */
  readonly active = new Set<Exchange>();
  private sweeper: NodeJS.Timeout | null = null;
  private sweepQueued = false;

  constructor(
    private readonly connectTimeout: number,
    private readonly timeout: number,
  ) {}

  add(ex: Exchange): void {
    this.active.add(ex);
    // Unref'd: sockets keep the process alive while requests are in flight; this must not.
    if (this.sweeper === null) this.sweeper = setInterval(() => this.queueSweep(), SWEEP_MS).unref();
  }

  delete(ex: Exchange): void {
    this.active.delete(ex);
  }

  stop(): void {
    if (this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

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
      if (ex.clockPaused) continue;
      const connecting = ex.phase === 'connect' || ex.phase === 'tls';
      const budget = ex.target.timeout ?? this.timeout;
      const deadline = ex.start + budget;
      const connectDeadline = connecting ? (ex.connectFrom ?? ex.start) + this.connectTimeout : Infinity;
      if (connecting && now >= connectDeadline && connectDeadline <= deadline) {
        timeOut(ex, ex.phase as TimeoutPhase, this.connectTimeout, 'connect timeout');
      } else if (now >= deadline) {
        timeOut(ex, ex.phase as TimeoutPhase, budget, 'request timeout');
      }
    }
    if (this.active.size === 0) this.stop();
  }
}

/** Ends `ex` with error `timeout`, naming the phase, the origin and the budget that ran out. */
function timeOut(ex: Exchange, phase: TimeoutPhase, budget: number, which: string): void {
  const conn = ex.connection;
  if (conn === null) return;
  // The connect timeout covers the lookup: if it runs out there, the resolver never answered,
  // which is a `dns` failure, not the server's. The whole-request timeout stays a `timeout`.
  if (phase === 'connect' && conn.resolving && which === 'connect timeout') {
    conn.resolveTimedOut(ex, budget, which);
    return;
  }
  const label = conn.label;
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
  conn.fail(ex, 'timeout', message, phase);
}
