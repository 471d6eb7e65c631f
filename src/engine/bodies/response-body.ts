import { BodyDecoder, type Coding, type DecodeError } from './decode.js';
import type { Exchange } from '../exchange.js';

/** How a response body failed on our side: undecodable, too large, or not writable to disk. */
export type BodyFailure = (code: 'protocol' | 'too_large' | 'write', message: string) => void;

/**
 * What happens to a response body's bytes after the protocol has unframed them, the same for
 * HTTP/1.1 and HTTP/2: counted, checked against `maxBytes`, decoded (`compressed`), matched and
 * saved through the exchange; and the back-pressure that keeps a slow decoder or disk from
 * growing memory. A failure is reported once through `onFailure`; the body then ignores the rest.
 */
export class ResponseBody {
  /** Made on the first body byte of an encoded response. */
  private decoder: BodyDecoder | null = null;
  private failed = false;

  /**
   * Whether a response's body has work beyond counting: decoding, `maxBytes`, or what the
   * exchange does with it (save, hash, match: `wantsBody`). When not, both sessions hand its bytes
   * straight to the exchange and make no ResponseBody, nor its closures, per response.
   */
  static needed(codings: Coding[] | null, maxBytes: number | undefined, wantsBody: boolean): boolean {
    return codings !== null || maxBytes !== undefined || wantsBody;
  }

  constructor(
    private readonly ex: Exchange,
    /** Codings to undo (`compressed` and an encoded response), or null. */
    private readonly codings: Coding[] | null,
    private readonly label: string,
    private readonly maxBytes: number | undefined,
    private readonly onFailure: BodyFailure,
  ) {}

  /**
   * Body bytes as they came off the wire (`chunk[start, end)`). Returns false when the body
   * failed (the caller then stops; `onFailure` has been called).
   */
  push(chunk: Buffer, start: number, end: number): boolean {
    if (this.failed) return false;
    const ex = this.ex;
    if (this.codings === null) ex.onBody(chunk, start, end);
    else {
      // `bytes` stays the bytes on the wire; the decoded ones are counted (and matched) as they come.
      ex.bytes += end - start;
      this.decoder ??= this.startDecoder(this.codings);
      this.decoder.write(chunk.subarray(start, end));
    }
    return !this.failed;
  }

  /**
   * Checked after each read whether or not it also completed the response: a body over the limit
   * is too_large however the server's writes happened to be split. Returns false when over.
   */
  withinLimit(): boolean {
    const max = this.maxBytes;
    if (max === undefined || this.ex.bytes <= max) return true;
    this.fail('too_large', `body from ${this.label} over --max-bytes ${max} (read ${this.ex.bytes} bytes)`);
    return false;
  }

  /**
   * Whether reading must stop for now, and what to wait on: zlib behind (so undecoded input
   * cannot pile up), or the disk behind (`outputDir`: a slow disk slows this download, not
   * memory). Null when reading may go on.
   */
  backpressure(): ((resume: () => void) => void) | null {
    const decoder = this.decoder;
    if (decoder?.backlogged) return (resume) => decoder.onceDrained(resume);
    const file = this.ex.body?.file;
    if (file?.backlogged) return (resume) => file.onceDrained(resume);
    return null;
  }

  /**
   * The raw body ended. The exchange ends (`done`) when the decoder has delivered the last byte
   * (bodyIncludes and decodedBytes are only known then) and a saved body is written out and
   * renamed, so `savedTo` names a complete file. `done` is not called after a failure.
   */
  finish(done: () => void): void {
    if (this.failed) return;
    const decoder = this.decoder;
    if (decoder === null) {
      this.saved(done);
      return;
    }
    decoder.end((err) => {
      this.decoder = null;
      if (err !== null) this.decodeFailed(err);
      else this.saved(done);
    });
  }

  private saved(done: () => void): void {
    if (this.failed) return;
    const file = this.ex.body?.file ?? null;
    if (file === null) {
      done();
      return;
    }
    file.finish((err) => {
      if (err !== null) this.fail('write', err.message);
      else if (!this.failed) done();
    });
  }

  /** Stops decoding; nothing more is reported. */
  destroy(): void {
    this.failed = true;
    this.decoder?.destroy();
    this.decoder = null;
  }

  private startDecoder(codings: Coding[]): BodyDecoder {
    const ex = this.ex;
    ex.decodedBytes = 0;
    return new BodyDecoder(
      codings,
      (decoded) => {
        ex.onDecoded(decoded);
        // The disk is behind: hold zlib's output too, or a small compressed read could inflate
        // into any amount of queued data. zlib then stops taking input, and reading stops.
        const body = ex.body;
        const decoder = this.decoder;
        if (body?.backlogged && decoder !== null && body.file !== null) {
          decoder.pauseOutput();
          body.file.onceDrained(() => decoder.resumeOutput());
        }
      },
      (err) => this.decodeFailed(err),
    );
  }

  private decodeFailed(err: DecodeError): void {
    this.fail('protocol', `cannot decode ${err.coding} body from ${this.label}: ${err.message}`);
  }

  private fail(code: 'protocol' | 'too_large' | 'write', message: string): void {
    if (this.failed) return;
    this.destroy();
    this.onFailure(code, message);
  }
}
