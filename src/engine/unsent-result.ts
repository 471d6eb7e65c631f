import type { Result, ResultError, TargetOrigin } from '../types.js';

/**
 * The result of a target that sent no request: nothing on the wire, every timing but `total`
 * null. The engine gives it to invalid targets; the CLI builds one to show an input the way the
 * reports would (with its secrets redacted).
 */
export function unsentResult(index: number, input: string, error: ResultError | null): Result {
  return {
    index,
    input,
    url: null,
    method: 'GET',
    status: null,
    ok: false,
    bytes: 0,
    timings: { dns: null, connect: null, tls: null, firstByte: null, total: 0 },
    reused: false,
    httpVersion: null,
    error,
    failures: [],
    attempts: 0,
    redirects: [],
    finalUrl: null,
    remoteAddress: null,
    tls: null,
    decodedBytes: null,
    savedTo: null,
  };
}

/** A target's `source`, `sources` and `from`, onto its result (only those it has). */
export function copyOrigin(from: TargetOrigin, to: TargetOrigin): void {
  if (from.source !== undefined) to.source = from.source;
  if (from.sources !== undefined) to.sources = from.sources;
  if (from.from !== undefined) to.from = from.from;
}
