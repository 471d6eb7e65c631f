import { BodyCheck, checkEnd, checkHead, type Expectation, type FailureSink } from '../expect/check.js';
import type {
  ErrorCode,
  HttpVersion,
  AttemptFailure,
  RedirectHop,
  Result,
  ResultError,
  Target,
  TimeoutPhase,
  TlsInfo,
} from '../types.js';
import type { ResponseHead } from './h1/parser.js';
import type { Bodies, BodyWork } from './bodies/bodies.js';
import { copyOrigin } from './unsent-result.js';
import { requestsClose } from './h1/request.js';
import { HeadCapture, pairsOf } from './heads.js';

/** RFC 9110 §9.2.2: only these may be retried automatically. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/**
 * What an exchange is running on — a dial in progress, an HTTP/1.1 connection, an HTTP/2 stream's
 * session — as the exchange, its deadlines and a cancel see it. Declared here so that whatever
 * carries an exchange depends on this file, never the other way round.
 */
export interface Carrier {
  /** `host:port` of the origin, for messages. */
  readonly label: string;
  /** The address connected (or being connected) to: the server's, or the proxy's. */
  readonly remoteAddress: string | null;
  /** What the TLS handshake established; null for plain TCP or before the handshake. */
  readonly tlsInfo: TlsInfo | null;
  /** Still resolving the name: a connect timeout now is the resolver's (Deadlines). */
  readonly resolving: boolean;
  /** Ends `ex` with an error (a deadline, a cancel); what else ends with it is the carrier's call. */
  fail(ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void;
  /** The connect timeout ran out while the name was still being resolved. */
  resolveTimedOut(ex: Exchange, budget: number, which: string): void;
}

/** Where an exchange is. Timeouts name the phase they ran out in. */
export type ExchangePhase = 'queued' | 'connect' | 'tls' | 'headers' | 'body' | 'done';

const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * What a target's later exchanges (a retry, a redirect's next hop) carry over from its earlier
 * ones. Absent (null) on a target's first exchange, so a plain request allocates nothing for it.
 */
export interface Chain {
  /** The target as the user gave it: its `url` and `method` stay the result's. */
  readonly first: Target;
  /** Attempts made so far, this one included (1 + retries). */
  attempts: number;
  /** Redirects followed so far. */
  readonly redirects: RedirectHop[];
  /** What went wrong on each attempt that was tried again, in order; absent before the first retry. */
  retried?: AttemptFailure[];
  /** `METHOD url` of every request of the chain, to spot a redirect loop. */
  readonly requested: Set<string>;
}

/**
 * The fields of an {@link Exchange} that a plain request never sets: retries, redirects, pauses,
 * decoding, saving, body matching. Kept apart because every exchange in flight (and every one
 * waiting for its origin) outlives a few of V8's young-generation collections and is copied by
 * each: moving the first 10 of these out made each exchange 80 bytes smaller (264 → 192), the
 * bulk of what a pipelined run keeps per request.
 */
class Rare {
  fdStalls = 0;
  refusals = 0;
  retried = false;
  chain: Chain | null = null;
  location: string | null = null;
  retryAfter: string | null = null;
  decodedBytes: number | null = null;
  saveAs: string[] | null = null;
  bodyCheck: BodyCheck | null = null;
  pausedAt: number | null = null;
  connectFrom: number | null = null;
  heads: HeadCapture | null = null;
}

/**
 * The context of one request, as in the classic design: its target, its connection, its
 * deadlines, and what has been learned so far. It becomes exactly one {@link Result}.
 */
export class Exchange implements FailureSink {
  phase: ExchangePhase = 'queued';
  connection: Carrier | null = null;
  /** The response's HTTP version; null until a response head arrives. */
  httpVersion: HttpVersion | null = null;
  /** performance.now() when the request left the queue. */
  start = 0;
  // The deadline for the whole request is not kept: it is always `start` plus the target's
  // timeout (Deadlines.sweep), and a double field costs every exchange a 16-byte box.
  // Nor is the connect deadline (DNS + TCP + TLS): it is `connectTimeout` after `start`, or after
  // {@link connectFrom} when the request went on to a fresh connection (Deadlines.sweep).
  dns: number | null = null;
  connect: number | null = null;
  tls: number | null = null;
  firstByte: number | null = null;
  status: number | null = null;
  bytes = 0;
  reused = false;
  /** RFC 9110 §9.2.2: only idempotent requests are retried on a stale connection. */
  readonly idempotent: boolean;
  /** The request carries `Connection: close`, so its connection ends with it (RFC 9112 §9.6). */
  readonly closeAfter: boolean;
  failures: string[] | null = null;
  /** The run's body handling (save, hash, content checks); carried to every exchange of a target. */
  bodies: Bodies | null = null;
  /** Work on this response's body; made when the head of a final response arrives. */
  body: BodyWork | null = null;
  /** The response's Content-Type, kept only when the run hands bodies to a sink (Bodies.sinks). */
  contentType: string | undefined = undefined;
  /** What few exchanges need (see {@link Rare}); made on the first write of one of its fields. */
  private rare: Rare | null = null;

  /** Times no socket could be made for this request (EMFILE) and it went back to the queue. */
  get fdStalls(): number {
    return this.rare?.fdStalls ?? 0;
  }
  set fdStalls(n: number) {
    if (n !== 0 || this.rare !== null) this.more().fdStalls = n;
  }

  /** Times an HTTP/2 server refused this request's stream (or dropped it in a GOAWAY) and it ran again. */
  get refusals(): number {
    return this.rare?.refusals ?? 0;
  }
  set refusals(n: number) {
    if (n !== 0 || this.rare !== null) this.more().refusals = n;
  }

  /** A stale kept-alive connection was retried once on a fresh one. */
  get retried(): boolean {
    return this.rare?.retried ?? false;
  }
  set retried(yes: boolean) {
    if (yes || this.rare !== null) this.more().retried = yes;
  }

  /** Set by a retry or a followed redirect; see {@link Chain}. */
  get chain(): Chain | null {
    return this.rare?.chain ?? null;
  }
  set chain(chain: Chain | null) {
    if (chain !== null || this.rare !== null) this.more().chain = chain;
  }

  /** `Location` of a 301/302/303/307/308 response, kept for the engine to follow. */
  get location(): string | null {
    return this.rare?.location ?? null;
  }
  set location(value: string | null) {
    if (value !== null || this.rare !== null) this.more().location = value;
  }

  /** `Retry-After` of a 429 or 503 response (RFC 9110 §10.2.3), kept for the engine's retry delay. */
  get retryAfter(): string | null {
    return this.rare?.retryAfter ?? null;
  }
  set retryAfter(value: string | null) {
    if (value !== null || this.rare !== null) this.more().retryAfter = value;
  }

  /** Body bytes after content decoding; null unless `compressed` and the response was encoded. */
  get decodedBytes(): number | null {
    return this.rare?.decodedBytes ?? null;
  }
  set decodedBytes(n: number | null) {
    if (n !== null || this.rare !== null) this.more().decodedBytes = n;
  }

  /** The file name claimed for the target's body (`outputDir`), or null. */
  get saveAs(): string[] | null {
    return this.rare?.saveAs ?? null;
  }
  set saveAs(name: string[] | null) {
    if (name !== null || this.rare !== null) this.more().saveAs = name;
  }

  /**
   * When the request's connect budget started, if not at {@link start}: it was retried on a fresh
   * connection after a stale kept-alive one (Pool.requeue).
   */
  get connectFrom(): number | null {
    return this.rare?.connectFrom ?? null;
  }
  set connectFrom(at: number | null) {
    if (at !== null || this.rare !== null) this.more().connectFrom = at;
  }

  /** The heads this exchange keeps for its result (-i, -v); null in a run that asked for none. */
  get heads(): HeadCapture | null {
    return this.rare?.heads ?? null;
  }
  set heads(heads: HeadCapture | null) {
    if (heads !== null || this.rare !== null) this.more().heads = heads;
  }

  /** The expectation's checks on the body text, when it has any (src/expect/check.ts). */
  private get bodyCheck(): BodyCheck | null {
    return this.rare?.bodyCheck ?? null;
  }

  private get pausedAt(): number | null {
    return this.rare?.pausedAt ?? null;
  }
  private set pausedAt(at: number | null) {
    if (at !== null || this.rare !== null) this.more().pausedAt = at;
  }

  private more(): Rare {
    if (this.rare === null) this.rare = new Rare();
    return this.rare;
  }

  constructor(
    readonly target: Target,
    readonly expect: Expectation,
  ) {
    const bodyCheck = BodyCheck.start(expect);
    if (bodyCheck !== null) this.more().bodyCheck = bodyCheck;
    this.idempotent = IDEMPOTENT.has(target.method);
    this.closeAfter = requestsClose(target.headers);
  }

  /** Stopped while its DNS lookup waits for a slot: that wait is queue time, not connect time. */
  get clockPaused(): boolean {
    return this.pausedAt !== null;
  }

  pauseClock(now: number): void {
    if (this.pausedAt === null) this.pausedAt = now;
  }

  /** Moves the start (and so both deadlines) on by the time the clock stood still. */
  resumeClock(now: number): void {
    if (this.pausedAt === null) return;
    const stood = now - this.pausedAt;
    this.pausedAt = null;
    this.start += stood;
    const from = this.connectFrom;
    if (from !== null) this.connectFrom = from + stood;
  }

  /** A later exchange of the same target (retry, redirect hop) saves and hashes as this one would. */
  inherit(previous: Exchange): void {
    this.bodies = previous.bodies;
    this.saveAs = previous.saveAs;
    const heads = previous.heads;
    // The result reports the last request and response, so each exchange keeps its own.
    if (heads !== null) this.heads = new HeadCapture(heads.wantsRequest);
  }

  /**
   * Whether a response's body has work beyond counting: saving, hashing, content checks. Sessions
   * ask this first, so a run that asks for none of them spends nothing more per response.
   */
  wantsBody(): boolean {
    const bodies = this.bodies;
    return (
      bodies !== null &&
      (this.saveAs !== null || bodies.hash !== null || bodies.sinks !== null || this.bodyCheck?.holdsBody === true)
    );
  }

  /**
   * The head of a response arrived: start the body's work — unless `continues` (a redirect that
   * will be followed, an attempt that will be retried), whose body is not the target's.
   */
  startBody(continues: boolean, onWriteError: (message: string) => void): void {
    const bodies = this.bodies;
    if (bodies === null || continues || this.status === null) return;
    this.bodyCheck?.hold(bodies.maxBodyBuffer);
    this.body = bodies.start(this.target, this.status, this.contentType, this.saveAs, onWriteError);
  }

  /** The request will run on another connection: what this one measured no longer applies. */
  leaveConnection(): void {
    this.connection = null;
    this.reused = false;
    this.httpVersion = null;
    this.dns = this.connect = this.tls = this.firstByte = null;
  }

  /** Expectations about the head are checked as soon as it arrives. */
  onHead(head: ResponseHead): void {
    this.status = head.status;
    const heads = this.heads;
    if (heads !== null) heads.response = pairsOf(head.headers);
    const status = head.status;
    if (status >= 301 && status <= 308) this.location = findHeader(head.headers, 'location') ?? null;
    if (this.bodies?.sinks != null) this.contentType = findHeader(head.headers, 'content-type');
    if (status === 429 || status === 503) this.retryAfter = findHeader(head.headers, 'retry-after') ?? null;
    checkHead(this.expect, status, head.headers, this);
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    this.bytes += end - start;
    this.bodyCheck?.push(chunk, start, end);
    // A view of a socket read, which may be the run's shared read buffer: a saved body copies it.
    if (this.body !== null) this.body.push(chunk.subarray(start, end), true);
  }

  /**
   * Decoded body bytes (`compressed`, an encoded response): counted, matched by `bodyIncludes`
   * instead of the wire bytes, and handed to the body's work (saved, hashed, held for content
   * checks) as the wire bytes would be.
   */
  onDecoded(chunk: Buffer): void {
    this.decodedBytes = (this.decodedBytes ?? 0) + chunk.length;
    this.bodyCheck?.push(chunk, 0, chunk.length);
    // zlib's output buffers are its own and never reused: queued as they are.
    if (this.body !== null) this.body.push(chunk, false);
  }

  /** An expectation did not hold (called by src/expect/check.ts). */
  fail(text: string): void {
    this.failures ??= [];
    this.failures.push(text);
  }

  /** Builds the result of a response that completed. */
  complete(now: number): Result {
    checkEnd(this.expect, this.bodyCheck, now - this.start, this.connection?.tlsInfo?.daysLeft ?? null, this);
    if (this.body !== null && this.bodies !== null) this.body.end();
    return this.result(now, null);
  }

  /** Builds the result of a request that ended in an error. */
  error(now: number, code: ErrorCode, message: string, phase?: TimeoutPhase): Result {
    this.body?.abort();
    const error: ResultError = phase === undefined ? { code, message } : { code, phase, message };
    return this.result(now, error);
  }

  private result(now: number, error: ResultError | null): Result {
    this.phase = 'done';
    const t = this.target;
    const failures = this.failures ?? [];
    const chain = this.chain;
    const result: Result = {
      index: t.index,
      input: t.input,
      url: chain === null ? t.url : chain.first.url,
      method: chain === null ? t.method : chain.first.method,
      status: this.status,
      ok: error === null && failures.length === 0,
      bytes: this.bytes,
      timings: {
        dns: this.dns === null ? null : round(this.dns),
        connect: this.connect === null ? null : round(this.connect),
        tls: this.tls === null ? null : round(this.tls),
        firstByte: this.firstByte === null ? null : round(this.firstByte),
        total: round(now - this.start),
      },
      reused: this.reused,
      httpVersion: this.httpVersion,
      error,
      failures,
      attempts: chain === null ? 1 : chain.attempts,
      redirects: chain === null ? [] : chain.redirects,
      finalUrl: t.url,
      remoteAddress: this.connection?.remoteAddress ?? null,
      tls: this.connection?.tlsInfo ?? null,
      decodedBytes: this.decodedBytes,
      savedTo: error === null ? (this.body?.file?.relative ?? null) : null,
    };
    if (t.name !== undefined) result.name = t.name;
    const first = chain === null ? t : chain.first;
    copyOrigin(first, result);
    if (chain?.retried !== undefined) {
      result.retried = chain.retried.slice();
      result.flaky = result.ok;
    }
    const hash = this.bodies?.hash ?? null;
    if (hash !== null) result[hash] = error === null ? (this.body?.digest() ?? null) : null;
    const heads = this.heads;
    if (heads !== null) {
      result.responseHeaders = heads.response ?? [];
      if (heads.wantsRequest) result.requestHeaders = heads.request ?? [];
    }
    return result;
  }
}

function findHeader(flat: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === lowerName) return flat[i + 1];
  return undefined;
}
