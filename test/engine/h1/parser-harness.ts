/**
 * The parser tests' harness: feed bytes cut anywhere, record what the parser made of them, and
 * check that every split point gives the same outcome.
 */
import { expect } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import {
  ResponseParser,
  type ParserHandler,
  type ParserOptions,
  type ResponseHead,
} from '../../../src/engine/h1/parser.js';

export interface Outcome {
  heads: ResponseHead[];
  body: Buffer;
  /** onComplete's keepAlive argument, once per completion. */
  completes: boolean[];
  /** Sum of execute's return values. */
  consumed: number;
  /** The ParseError's code, or null. */
  error: ParseError['code'] | null;
  message: string | null;
}

export interface RunOptions {
  method?: string;
  /** Call finish() after the last byte (the peer closed). @default true */
  close?: boolean;
  parser?: ParserOptions;
}

/**
 * Feeds `bytes` cut at `cuts` (ascending offsets), each piece in its own Buffer that is scribbled
 * over once execute returns — so a parser that kept a reference to a chunk instead of copying
 * the unfinished line would be caught.
 */
export function run(bytes: Buffer, cuts: readonly number[] = [], opts: RunOptions = {}): Outcome {
  const out: Outcome = {
    heads: [],
    body: Buffer.alloc(0),
    completes: [],
    consumed: 0,
    error: null,
    message: null,
  };
  const bodies: Buffer[] = [];
  const handler: ParserHandler = {
    onHead: (head) => out.heads.push(head),
    onBody: (chunk, start, end) => {
      expect(end).toBeGreaterThan(start);
      bodies.push(Buffer.from(chunk.subarray(start, end)));
    },
    onComplete: (keepAlive) => out.completes.push(keepAlive),
  };
  const parser = new ResponseParser(handler, opts.parser);
  parser.start(opts.method ?? 'GET');
  const bounds = [...cuts.filter((c) => c > 0 && c < bytes.length), bytes.length];
  let prev = 0;
  try {
    for (const cut of bounds) {
      const piece = Buffer.from(bytes.subarray(prev, cut));
      prev = cut;
      const n = parser.execute(piece);
      piece.fill(0x5a);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThanOrEqual(piece.length);
      out.consumed += n;
      if (n < piece.length) {
        // Only a completed response leaves bytes unparsed.
        expect(parser.done).toBe(true);
        break;
      }
    }
    if (opts.close ?? true) parser.finish();
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    out.error = error.code;
    out.message = error.message;
  }
  out.body = Buffer.concat(bodies);
  return out;
}

/**
 * The outcome, minus what may legitimately differ between splits: message wording, and the bytes
 * consumed before an error (the pieces fed before the throwing one count; that one doesn't).
 */
export function essence(o: Outcome): unknown {
  return {
    heads: o.heads,
    body: o.body.toString('latin1'),
    completes: o.completes,
    consumed: o.error === null ? o.consumed : null,
    error: o.error,
  };
}

/** Every split into two pieces, and one byte at a time, give the unsplit outcome. */
export function expectSplitInvariant(bytes: Buffer, opts: RunOptions = {}): Outcome {
  const whole = run(bytes, [], opts);
  const expected = essence(whole);
  for (let i = 1; i < bytes.length; i++) {
    expect(essence(run(bytes, [i], opts)), `split at ${i}`).toEqual(expected);
  }
  const bytewise = Array.from({ length: bytes.length }, (_, i) => i);
  expect(essence(run(bytes, bytewise, opts)), 'one byte at a time').toEqual(expected);
  return whole;
}

export const raw = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A parser with a handler that records into plain arrays, for tests that drive it by hand. */
export function recorder(options?: ParserOptions) {
  const heads: ResponseHead[] = [];
  const bodies: string[] = [];
  const completes: boolean[] = [];
  const parser = new ResponseParser(
    {
      onHead: (h) => heads.push(h),
      onBody: (c, s, e) => bodies.push(c.toString('latin1', s, e)),
      onComplete: (k) => completes.push(k),
    },
    options,
  );
  return { parser, heads, bodies, completes };
}

export function expectError(o: Outcome, code: ParseError['code'], message?: RegExp): void {
  expect(o.error, o.message ?? 'no error').toBe(code);
  if (message) expect(o.message).toMatch(message);
}

export function onlyHead(o: Outcome): ResponseHead {
  expect(o.error, o.message ?? '').toBeNull();
  expect(o.heads).toHaveLength(1);
  return o.heads[0]!;
}
