import { createHash } from 'node:crypto';
import type { PreparedTarget, Result } from '../types.js';

/**
 * Gives each result the SHA-256 of the body its target sent (`requestBodySha256`), part of the
 * target's identity across runs. The CLI shows it each target on its way to the engine
 * ({@link see}); a digest is held only from then until its result comes back, so memory follows
 * the targets in flight, not the list. One body shared by many targets (`-d`) is hashed once.
 */
export class RequestDigests {
  readonly #byIndex = new Map<number, string>();
  readonly #byBody = new WeakMap<Buffer, string>();

  /** The digest of a target's body, or undefined when it sends none. */
  of(t: PreparedTarget): string | undefined {
    if (!('body' in t) || t.body === null) return undefined;
    let digest = this.#byBody.get(t.body);
    if (digest === undefined) {
      digest = createHash('sha256').update(t.body).digest('hex');
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
