import { createHash } from 'node:crypto';
import type { FileBody, PreparedTarget, Result } from '../types.js';

/**
 * Gives each result the SHA-256 of the body its target sent (`requestBodySha256`), part of the
 * target's identity across runs. The CLI shows it each target on its way to the engine
 * ({@link see}); a digest is held only from then until its result comes back, so memory follows
 * the targets in flight, not the list. One body shared by many targets (`-d`) is hashed once.
 */
export class RequestDigests {
  readonly #byIndex = new Map<number, string>();
  readonly #byBody = new WeakMap<Buffer | FileBody, string>();

  /** The digest of a target's body, or undefined when it sends none. */
  of(t: PreparedTarget): string | undefined {
    if (!('body' in t) || t.body === null) return undefined;
    let digest = this.#byBody.get(t.body);
    if (digest === undefined) {
      digest = digestOf(t.body);
      this.#byBody.set(t.body, digest);
    }
    return digest;
  }

  /** A target goes to the engine: remember its digest until its result. */
  see(t: PreparedTarget): void {
    const digest = this.of(t);
    if (digest !== undefined) this.#byIndex.set(t.index, digest);
  }

  /** Sets `requestBodySha256` on the result of a target that sent a body. */
  attach(r: Result): void {
    const digest = this.#byIndex.get(r.index);
    if (digest === undefined) return;
    this.#byIndex.delete(r.index);
    r.requestBodySha256 = digest;
  }
}

/**
 * A body in memory by its bytes; one streamed from files (`-d @file`, `bodyFile`) by what it is
 * made of — each file's path, CR/LF removal and size, and the bytes between — since hashing the
 * file's bytes would read a large upload a second time on every run. A `bodyFile` counts by its
 * path as written, not as resolved: the same list checked out in another folder (another CI
 * runner) is the same target.
 */
function digestOf(body: Buffer | FileBody): string {
  const hash = createHash('sha256');
  if (Buffer.isBuffer(body)) return hash.update(body).digest('hex');
  for (const part of body.parts) {
    if (Buffer.isBuffer(part)) hash.update('bytes\0').update(part);
    else hash.update(`file\0${part.written ?? part.path}\0${part.strip ? 'strip' : 'binary'}\0${part.length}\0`);
  }
  return hash.digest('hex');
}
