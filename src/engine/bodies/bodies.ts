import { createHash, type Hash } from 'node:crypto';
import type { RunConfig } from '../../config/run-config.js';
import type { HashAlgorithm, Target } from '../../types.js';
import { BodyFile } from './body-file.js';
import { OutputDir } from './output-dir.js';
import { DEFAULT_TEMPLATE, NameClaims, STATUS_MARK, templateComponents } from './save-path.js';

/**
 * A reader of final response bodies besides the run's own work: the crawler reads fetched pages
 * for links, the sitemap reader reads sitemaps. Declared here so the engine imports nothing of
 * what reads the bodies (src/inputs depends on the engine, never the other way).
 */
export interface BodySink {
  /** Body bytes in order (decoded with `compressed`). `chunk` may be a view of a reused buffer: valid only during the call. */
  push(chunk: Buffer): void;
  /** The body is complete (called before the result is reported). */
  end(): void;
  /** The body failed (an error, a timeout, a cancel): no {@link end}. */
  abort(): void;
}

/**
 * Called when the head of a target's final response arrives: a {@link BodySink} for its body, or
 * null to leave it alone. `contentType` is the response's Content-Type field, if it has one.
 */
export type BodySinks = (target: Target, status: number, contentType: string | undefined) => BodySink | null;

/**
 * What a run does with response bodies beyond counting them: save (`outputDir`), hash (`hash`),
 * hand to a sink. Built once per run; a run that asks for none of it pays one check per response
 * (Exchange.wantsBody). The content checks keep their own copy (src/expect/check.ts).
 */
export class Bodies {
  readonly out: OutputDir | null;
  readonly hash: HashAlgorithm | null;
  readonly maxBodyBuffer: number;
  private readonly template: string;
  private readonly claims: NameClaims | null;

  /**
   * @param options validated run options (src/config/run-config.ts)
   * @param sinks who else reads final bodies (an engine hook), or null
   */
  constructor(
    options: RunConfig,
    readonly sinks: BodySinks | null = null,
  ) {
    this.template = options.outputTemplate ?? DEFAULT_TEMPLATE;
    this.out = options.outputDir === undefined ? null : new OutputDir(options.outputDir);
    this.claims = this.out === null ? null : new NameClaims();
    this.hash = options.hash ?? null;
    this.maxBodyBuffer = options.maxBodyBuffer;
  }

  /**
   * The file name target `target` will be saved under (components; `{status}` still a mark),
   * claimed now — call in input order, so that collisions are settled the same way every run.
   */
  claim(target: Target): string[] | null {
    if (this.claims === null) return null;
    return this.claims.claim(templateComponents(this.template, target), target.index);
  }

  /**
   * The work on one final response's body, or null when there is none to do.
   * @param saveAs the claimed name (see {@link claim}), null to save nothing
   * @param onWriteError a write failure while the body streams (message names the path and errno)
   */
  start(
    target: Target,
    status: number,
    contentType: string | undefined,
    saveAs: readonly string[] | null,
    onWriteError: (message: string) => void,
  ): BodyWork | null {
    const sink = this.sinks === null ? null : this.sinks(target, status, contentType);
    if (saveAs === null && this.hash === null && sink === null) return null;
    const index = target.index;
    const file =
      saveAs === null || this.out === null
        ? null
        : new BodyFile(
            this.out,
            saveAs.map((c) => c.replaceAll(STATUS_MARK, String(status))),
            index,
            onWriteError,
          );
    return new BodyWork(file, this.hash === null ? null : createHash(this.hash), sink);
  }
}

/** One response body's consumers: its file, its digest, a sink. */
export class BodyWork {
  constructor(
    readonly file: BodyFile | null,
    private readonly hasher: Hash | null,
    private readonly sink: BodySink | null = null,
  ) {}

  /**
   * The body as the user sees it (decoded with `compressed`), in order. `view`: `chunk` points
   * into a buffer that is reused (or a large read slab), so what is queued for the disk is a copy
   * of exactly its bytes.
   */
  push(chunk: Buffer, view: boolean): void {
    if (this.file !== null) this.file.push(view ? Buffer.from(chunk) : chunk);
    this.hasher?.update(chunk);
    this.sink?.push(chunk);
  }

  /** The body completed. */
  end(): void {
    this.sink?.end();
  }

  /** The file's queue is full: stop reading until {@link BodyFile.onceDrained}. */
  get backlogged(): boolean {
    return this.file?.backlogged ?? false;
  }

  /** Hex digest; call once, at the end. */
  digest(): string | null {
    return this.hasher === null ? null : this.hasher.digest('hex');
  }

  /** The body failed: drop the file. */
  abort(): void {
    this.file?.abort();
    this.sink?.abort();
  }
}
