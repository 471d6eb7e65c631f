import type { Expectation, ErrorCode, Result, ResultError, Target, TimeoutPhase } from '../types.js';
import type { ResponseHead } from './parser.js';
import { BodyMatcher } from './body-match.js';
import type { Connection } from './connection.js';

/** Where an exchange is. Timeouts name the phase they ran out in. */
export type ExchangePhase = 'queued' | 'connect' | 'tls' | 'headers' | 'body' | 'done';

const round = (ms: number): number => Math.round(ms * 100) / 100;

/**
 * The context of one request, as in the classic design: its target, its connection, its
 * deadlines, and what has been learned so far. It becomes exactly one {@link Result}.
 */
export class Exchange {
  phase: ExchangePhase = 'queued';
  connection: Connection | null = null;
  /** performance.now() when the request left the queue. */
  start = 0;
  /** Absolute deadline for the whole request. */
  deadline = Infinity;
  /** Absolute deadline for DNS + TCP + TLS, while connecting. */
  connectDeadline = Infinity;
  dns: number | null = null;
  connect: number | null = null;
  tls: number | null = null;
  firstByte: number | null = null;
  status: number | null = null;
  bytes = 0;
  reused = false;
  /** A stale kept-alive connection was retried once on a fresh one. */
  retried = false;
  /** RFC 9110 §9.2.2: only idempotent requests are retried on a stale connection. */
  idempotent = false;
  /** The request carries `Connection: close`, so its connection ends with it (RFC 9112 §9.6). */
  closeAfter = false;
  failures: string[] | null = null;
  private matcher: BodyMatcher | null = null;

  constructor(
    readonly target: Target,
    readonly expect: Expectation,
  ) {
    if (expect.bodyIncludes !== undefined) this.matcher = new BodyMatcher(expect.bodyIncludes);
  }

  get origin(): string {
    return `${this.target.hostname}:${this.target.port}`;
  }

  /** Expectations about the head are checked as soon as it arrives. */
  onHead(head: ResponseHead): void {
    this.status = head.status;
    const expect = this.expect;
    if (!inRanges(head.status, expect.status)) this.fail(`status ${head.status} not in ${expect.statusText}`);
    if (expect.header !== undefined) {
      for (const [name, want] of expect.header) {
        const got = findHeader(head.headers, name);
        if (got === undefined) this.fail(`header ${name} missing`);
        else if (got !== want) this.fail(`header ${name} is ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
      }
    }
  }

  onBody(chunk: Buffer, start: number, end: number): void {
    this.bytes += end - start;
    if (this.matcher !== null) this.matcher.push(chunk, start, end);
  }

  private fail(text: string): void {
    (this.failures ??= []).push(text);
  }

  /** Builds the result of a response that completed. */
  complete(now: number): Result {
    const total = now - this.start;
    if (this.matcher !== null && !this.matcher.found) {
      this.fail(`body does not include ${JSON.stringify(this.expect.bodyIncludes)}`);
    }
    if (this.expect.maxTime !== undefined && total > this.expect.maxTime) {
      this.fail(`time ${Math.round(total)} ms > ${this.expect.maxTime} ms`);
    }
    return this.result(now, null);
  }

  /** Builds the result of a request that ended in an error. */
  error(now: number, code: ErrorCode, message: string, phase?: TimeoutPhase): Result {
    const error: ResultError = phase === undefined ? { code, message } : { code, phase, message };
    return this.result(now, error);
  }

  private result(now: number, error: ResultError | null): Result {
    this.phase = 'done';
    const t = this.target;
    const failures = this.failures ?? [];
    const result: Result = {
      index: t.index,
      input: t.input,
      url: t.url,
      method: t.method,
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
      error,
      failures,
      attempts: 1,
      redirects: [],
      finalUrl: t.url,
      remoteAddress: this.connection?.remoteAddress ?? null,
      tls: this.connection?.tlsInfo ?? null,
      decodedBytes: null,
    };
    if (t.name !== undefined) result.name = t.name;
    return result;
  }
}

export function inRanges(status: number, ranges: Expectation['status']): boolean {
  for (const [low, high] of ranges) if (status >= low && status <= high) return true;
  return false;
}

function findHeader(flat: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === lowerName) return flat[i + 1];
  return undefined;
}
