import { Transform, type TransformCallback } from 'node:stream';
import {
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  type BrotliDecompress,
  type Gunzip,
  type Inflate,
  type InflateRaw,
} from 'node:zlib';

/**
 * Content codings (RFC 9110 §8.4) undone as a stream with node:zlib, for `compressed`. Decoded
 * bytes are counted and handed to the body matcher, never kept: memory stays bounded by zlib's
 * window and one chunk, whatever the decoded size.
 */

/** A coding we can undo. `x-gzip` is gzip (RFC 9110 §8.4.1.3). */
export type Coding = 'gzip' | 'deflate' | 'br';

/**
 * More codings than this in one response is not something a server does by accident; we leave
 * such a body undecoded rather than stack zlib streams for it.
 */
const MAX_CODINGS = 4;

/**
 * The codings to undo for a response, in decoding order (the last one applied first, RFC 9110
 * §8.4), or null when there is nothing we can decode: no Content-Encoding, only `identity`, a
 * coding we do not know (the body is then reported as it came), or too many of them.
 * `headers` is the parser's flat [name, value, …] list with lower-cased names.
 */
export function contentCodings(headers: readonly string[]): Coding[] | null {
  let codings: Coding[] | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'content-encoding') continue;
    for (const raw of (headers[i + 1] ?? '').split(',')) {
      const token = raw.trim().toLowerCase();
      if (token === '' || token === 'identity') continue;
      const coding: Coding | null =
        token === 'gzip' || token === 'x-gzip'
          ? 'gzip'
          : token === 'deflate'
            ? 'deflate'
            : token === 'br'
              ? 'br'
              : null;
      if (coding === null) return null;
      codings ??= [];
      codings.push(coding);
    }
  }
  if (codings === null || codings.length > MAX_CODINGS) return null;
  return codings.reverse();
}

/** A decoding failure: which coding, and zlib's reason. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly coding: Coding,
    cause: Error,
  ) {
    super(cause.message, { cause });
  }
}

type Stage = Gunzip | Inflate | InflateRaw | BrotliDecompress | AutoInflate;

/**
 * One response body's decoder: write the wire body in, get decoded chunks out through `onData`.
 * zlib works asynchronously, so the end of the decoded body comes after the end of the raw one:
 * call {@link end} when the raw body is complete and wait for its callback.
 */
export class BodyDecoder {
  /** Decoded bytes so far. */
  decodedBytes = 0;
  /** The last write filled zlib's input queue: the caller should wait for {@link onceDrained}. */
  backlogged = false;
  private readonly stages: Stage[];
  private done = false;
  /**
   * The last stage ended before {@link end}: node's brotli decoder ends by itself once its stream
   * is complete and more bytes follow (it ignores them, as it does when they come in the same
   * write). {@link end} must still call back, or the exchange would wait for its deadline.
   */
  private endedEarly = false;
  private onEnd: ((err: DecodeError | null) => void) | null = null;

  /**
   * @param onData  decoded bytes, in order
   * @param onError a decoding failure while the body is still arriving (not after {@link end}:
   *                that failure goes to end's callback)
   */
  constructor(
    codings: readonly Coding[],
    private readonly onData: (chunk: Buffer) => void,
    private readonly onError: (err: DecodeError) => void,
  ) {
    this.stages = codings.map((coding) => {
      const stage = createStage(coding);
      stage.on('error', (err: Error) => this.fail(new DecodeError(coding, err)));
      return stage;
    });
    for (let i = 0; i + 1 < this.stages.length; i++) this.stages[i]!.pipe(this.stages[i + 1]!);
    const last = this.stages[this.stages.length - 1]!;
    last.on('data', (chunk: Buffer) => {
      if (this.done) return;
      this.decodedBytes += chunk.length;
      this.onData(chunk);
    });
    last.once('end', () => this.settle(null));
  }

  /**
   * Feeds wire body bytes. The buffer is kept until zlib has read it (the parser's views of a
   * socket chunk are never reused, so no copy is needed). Sets {@link backlogged} when the caller
   * should stop reading until {@link onceDrained}.
   */
  write(bytes: Buffer): void {
    if (this.done) return;
    if (!this.stages[0]!.write(bytes)) this.backlogged = true;
  }

  /** Calls `fn` once the decoder has taken in what it was given (at once if it is not backlogged). */
  onceDrained(fn: () => void): void {
    if (!this.backlogged || this.done) {
      fn();
      return;
    }
    this.stages[0]!.once('drain', () => {
      this.backlogged = false;
      fn();
    });
  }

  /** Stops delivering decoded bytes (the consumer is behind); zlib then stops taking input. */
  pauseOutput(): void {
    if (!this.done) this.stages[this.stages.length - 1]!.pause();
  }

  resumeOutput(): void {
    if (!this.done) this.stages[this.stages.length - 1]!.resume();
  }

  /** The raw body is complete: flush, and call back once every decoded byte has been delivered. */
  end(callback: (err: DecodeError | null) => void): void {
    if (this.endedEarly) {
      this.endedEarly = false;
      callback(null);
      return;
    }
    if (this.done) return;
    this.onEnd = callback;
    this.stages[0]!.end();
  }

  /** Stops decoding (timeout, cancel, the connection failed); no callback follows. */
  destroy(): void {
    this.endedEarly = false;
    if (this.done) return;
    this.done = true;
    this.onEnd = null;
    for (const stage of this.stages) stage.destroy();
  }

  private fail(err: DecodeError): void {
    if (this.done) return;
    const onEnd = this.onEnd;
    this.destroy();
    if (onEnd !== null) onEnd(err);
    else this.onError(err);
  }

  private settle(err: DecodeError | null): void {
    if (this.done) return;
    const onEnd = this.onEnd;
    this.done = true;
    this.onEnd = null;
    if (onEnd === null) this.endedEarly = err === null;
    onEnd?.(err);
  }
}

function createStage(coding: Coding): Stage {
  switch (coding) {
    case 'gzip':
      return createGunzip();
    case 'br':
      return createBrotliDecompress();
    case 'deflate':
      return new AutoInflate();
  }
}

/**
 * `deflate` means the zlib format (RFC 9110 §8.4.1.2, RFC 1950), but some servers send a raw
 * deflate stream (RFC 1951) under that name. The first two bytes tell them apart: a zlib header
 * has compression method 8 in the low nibble, a window of at most 32 KiB, and is a multiple of 31
 * read as a 16-bit number (RFC 1950 §2.2). Browsers decode both; so do we.
 */
export function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

/** Inflates zlib-wrapped or raw deflate, deciding on the first two bytes. */
class AutoInflate extends Transform {
  private inner: Inflate | InflateRaw | null = null;
  private pending: Buffer | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    if (this.inner === null) {
      data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
      if (data.length < 2) {
        this.pending = data;
        callback();
        return;
      }
      this.pending = null;
      const inner = isZlibHeader(data[0]!, data[1]!) ? createInflate() : createInflateRaw();
      inner.on('data', (out: Buffer) => this.push(out));
      inner.on('error', (err: Error) => this.destroy(err));
      this.inner = inner;
    }
    // The callback runs when zlib has consumed the chunk: that is our backpressure.
    this.inner.write(data, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    const inner = this.inner;
    if (inner === null) {
      // An empty body decodes to nothing; a single byte cannot be any deflate stream.
      callback(this.pending === null ? null : new Error('unexpected end of file'));
      return;
    }
    inner.once('end', () => callback());
    inner.end();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(err);
  }
}
