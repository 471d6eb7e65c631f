import type { Result } from '../types.js';
import type { Carrier, Exchange } from './exchange.js';
import type { Transport } from './net/transport.js';

/**
 * Where a session is in its life — one value, so that "may it take a request now?" has one
 * answer:
 * - `open`: may take requests (an HTTP/1.1 connection between requests, an HTTP/2 connection
 *   with a free stream or not);
 * - `busy`: an HTTP/1.1 connection carrying a request (and, with `pipeline` > 1, those written
 *   behind it);
 * - `draining`: takes nothing new; finishing what it carries (an HTTP/2 GOAWAY, an HTTP/1.1
 *   response whose decoding or saving is still running);
 * - `closed`: its socket is gone.
 */
export type SessionState = 'open' | 'busy' | 'draining' | 'closed';

/** The protocols a session speaks; `h1` is HTTP/1.1 (and 1.0 responses), `h2` HTTP/2 (RFC 9113). */
export type Protocol = 'h1' | 'h2';

/**
 * A connection's HTTP, over a socket that a `Dial` (dial.ts) made ready: the one interface the pool
 * sees, implemented by `H1Session` and `H2Session`.
 */
export interface Session extends Carrier {
  readonly protocol: Protocol;
  readonly state: SessionState;
  /** Requests it may start now (HTTP/1.1: 1 or 0; HTTP/2: free streams, as the server allows). */
  available(): number;
  /**
   * Whether it is at its limit for good: only a request ending frees room (HTTP/1.1: busy; HTTP/2:
   * as many streams as the server's SETTINGS allow — false until those SETTINGS arrive).
   */
  full(): boolean;
  /** Requests it carries now. */
  readonly active: number;
  /** Runs `ex` (its clock already started; the pool has set `ex.reused` if the session carried requests before). */
  send(ex: Exchange): void;
  /**
   * Closes the socket. HTTP/1.1: the exchange whose response is being read hears nothing more
   * (call `fail` first for it); requests pipelined behind it go back to the queue. HTTP/2: streams
   * still open end (`truncated`, or run again when nothing of their response arrived).
   */
  destroy(): void;
}

/**
 * What a session tells its owner (the origin's pool). Declared here, as the parser declares its
 * handler: sessions know nothing of pools or the scheduler.
 */
export interface SessionOwner {
  /** `ex` ended with `result`. `reusable`: the session may carry another request. Once per exchange. */
  finished(ex: Exchange, result: Result, session: Session, reusable: boolean): void;
  /** Whether a response with this status will be followed by another request (redirect, retry). */
  continuesAfter(ex: Exchange, status: number): boolean;
  /** A final response head arrived (any status): the origin answers. */
  headArrived(): void;
  /**
   * `ex` never reached the server's application — a kept-alive connection that was already
   * closing, a stream above a GOAWAY's last id, REFUSED_STREAM — and runs again elsewhere; not
   * an attempt (RFC 9110 §9.2.2, RFC 9113 §8.7).
   */
  requeue(ex: Exchange, session: Session): void;
  /** The session may take more requests now (a stream ended, the server raised its limit). */
  roomChanged(session: Session): void;
  /**
   * `ex` was pipelined (HTTP/1.1) behind a request whose connection ended before any byte of
   * `ex`'s response: it goes back to the head of its queue, its clock stopped, to run again
   * when it leaves it — not an attempt (every pipelined request is idempotent: safe to run again).
   */
  unanswered(ex: Exchange, session: Session): void;
  /** Once per session, when its socket closes for whatever reason. */
  closed(session: Session): void;
}

/** What sessions of a run share. */
export interface SessionOptions {
  /** Request bytes, `compressed`, the user agent. */
  readonly transport: Transport;
  /** Longest response head (HTTP/1.1) or header list (HTTP/2, SETTINGS_MAX_HEADER_LIST_SIZE). */
  readonly maxHeaderBytes: number;
  readonly maxBytes: number | undefined;
  /**
   * Requests at once on one HTTP/1.1 connection (`pipeline`, RFC 9112 §9.3.2); 1: one at a time.
   * HTTP/2 sessions ignore it.
   */
  readonly pipeline: number;
}
