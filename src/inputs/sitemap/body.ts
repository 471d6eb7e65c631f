import { createGunzip, type Gunzip } from 'node:zlib';
import type { BodySink } from '../../engine/bodies/bodies.js';
import { LineSplitter } from '../../targets/read/lines.js';
import { MAX_SITEMAP_BYTES, SitemapParser, type SitemapHandler } from './parse.js';

/**
 * One sitemap's (or robots.txt's) bytes → what it lists, as they arrive, from a file or from the
 * engine (a {@link BodySink}). Gzip is recognised by its magic bytes (1f 8b), whatever the name
 * says, and inflated as it streams — at most the protocol's 50 MiB, so a gzip bomb stops there.
 * {@link done} resolves once everything pushed has been read; {@link error} then says why the
 * input could not be read whole (null when it could).
 */
export class SitemapBody implements BodySink {
  error: string | null = null;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private sniffed = false;
  private gunzip: Gunzip | null = null;
  private inflated = 0;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly sitemap: SitemapParser | null;
  private readonly robots: LineSplitter | null;
  private finished = false;

  constructor(handler: SitemapHandler, robots: boolean) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    if (robots) {
      this.sitemap = null;
      this.robots = new LineSplitter({
        line(text, lineNo) {
          // robots.txt (RFC 9309 §2.2.4 leaves other records to extensions): `Sitemap: <url>`, any case.
          const colon = text.indexOf(':');
          if (colon === -1 || text.slice(0, colon).trim().toLowerCase() !== 'sitemap') return;
          const url = text.slice(colon + 1).trim();
          if (url !== '') handler.sitemap(url, lineNo);
        },
        overlong() {},
      });
    } else {
      this.sitemap = new SitemapParser(handler);
      this.robots = null;
    }
  }

  /** Whether more bytes are worth reading. */
  get reading(): boolean {
    return this.error === null && !this.finished && !(this.sitemap?.stopped ?? false);
  }

  push(chunk: Buffer): void {
    if (!this.reading) return;
    if (!this.sniffed) {
      this.sniffed = true;
      if (chunk[0] === 0x1f && chunk[1] === 0x8b) this.startGunzip();
    }
    // A view of a reused buffer (engine): gunzip keeps what it is given, so it gets a copy.
    if (this.gunzip !== null) this.gunzip.write(Buffer.from(chunk));
    else this.read(chunk, false);
  }

  end(): void {
    if (this.finished) return;
    if (this.gunzip !== null) this.gunzip.end();
    else this.finish();
  }

  abort(): void {
    this.gunzip?.destroy();
    this.gunzip = null;
    this.finished = true;
    this.resolveDone();
  }

  private startGunzip(): void {
    const gunzip = createGunzip();
    gunzip.on('data', (out: Buffer) => {
      this.inflated += out.length;
      if (this.inflated > MAX_SITEMAP_BYTES) {
        this.error ??= `inflates to over ${MAX_SITEMAP_BYTES / 1024 / 1024} MiB (the sitemap protocol's limit)`;
        gunzip.destroy();
        this.finish();
        return;
      }
      this.read(out, false);
    });
    gunzip.on('end', () => this.finish());
    gunzip.on('error', (err) => {
      this.error ??= `not valid gzip: ${err.message}`;
      this.finish();
    });
    this.gunzip = gunzip;
  }

  private read(chunk: Buffer, last: boolean): void {
    if (this.robots !== null) {
      this.robots.push(chunk);
      return;
    }
    this.sitemap?.write(this.decoder.decode(chunk, { stream: !last }));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.robots !== null) this.robots.end();
    else if (this.sitemap !== null) {
      this.sitemap.write(this.decoder.decode());
      this.sitemap.end();
      this.error ??= this.sitemap.error;
    }
    this.resolveDone();
  }
}
