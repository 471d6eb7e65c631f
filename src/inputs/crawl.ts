import type { BodySink, BodySinks } from '../engine/bodies/bodies.js';
import type { Result, Target } from '../types.js';
import { HtmlLinks } from './links/html.js';
import { ItemQueue } from './queue.js';

export interface CrawlOptions {
  /** Where the crawl starts (depth 0); their origins are crawled. */
  start: readonly string[];
  /** Pages this many links away from a start page are fetched but not read for links. */
  depth: number;
  /** More origins (`scheme://host[:port]`) whose pages are crawled, not only checked. */
  origins: readonly string[];
  /** At most this many URLs are fetched in all, pages crawled and links checked together. */
  maxPages: number;
  /** `--list`: nothing is fetched, so only the start pages are known. */
  listOnly?: boolean;
}

/**
 * `--crawl`: follows the links of fetched HTML pages, breadth first as results come in. A page of
 * a crawled origin at less than `depth` is read for links (`a`, `link`, `img`, `script`, `source`,
 * `iframe`; see links/html.ts) as its body arrives — through the engine's body sinks, so each page
 * is fetched once, by the run itself, with its politeness (`--per-host`, `--rate-per-host`).
 * Every URL is one target, however many pages link to it; its `from` is the first page that did.
 * Links to other origins are checked, not crawled.
 *
 * The crawl ends when no page that may still add links is left: each one to be read counts until
 * its result comes back ({@link onResult}, which the run calls for every result). Memory is bounded
 * by `maxPages`: URLs past it are not remembered.
 */
export class Crawler {
  readonly queue: ItemQueue;
  /** True when `maxPages` was reached and links were left out. */
  truncated = false;
  private readonly depthOf = new Map<string, number>();
  private readonly origins: Set<string>;
  private pending = 0;

  constructor(private readonly options: CrawlOptions) {
    this.queue = new ItemQueue(Number.POSITIVE_INFINITY);
    this.origins = new Set([...options.start, ...options.origins].map((u) => new URL(u).origin));
    for (const url of options.start) this.found(url, 0, undefined);
    if (options.listOnly === true || this.pending === 0) this.queue.end();
  }

  /** For the engine (EngineHooks.bodySinks): a reader of the links of a page to crawl. */
  readonly bodySinks: BodySinks = (target: Target, status: number, contentType: string | undefined) => {
    const depth = this.depthOf.get(target.input);
    if (depth === undefined || !this.readsLinks(target.input, depth)) return null;
    if (status < 200 || status > 299 || !isHtml(contentType)) return null;
    return pageSink(target.url, (url) => this.found(url, depth + 1, target.input));
  };

  /** Every result of the run: a page read for links no longer holds the crawl open. */
  onResult(result: Result): void {
    const depth = this.depthOf.get(result.input);
    if (depth === undefined || !this.readsLinks(result.input, depth)) return;
    if (--this.pending === 0) this.queue.end();
  }

  private readsLinks(url: string, depth: number): boolean {
    return depth < this.options.depth && this.origins.has(new URL(url).origin);
  }

  private found(url: string, depth: number, from: string | undefined): void {
    if (this.depthOf.has(url)) return;
    if (this.depthOf.size >= this.options.maxPages) {
      this.truncated = true;
      return;
    }
    this.depthOf.set(url, depth);
    if (this.readsLinks(url, depth)) this.pending++;
    this.queue.push(from === undefined ? { input: url } : { input: url, origin: { from } });
  }
}

/** An HTML page's links, read as its body arrives; relative links against the page's own URL. */
function pageSink(base: string, onLink: (url: string) => void): BodySink {
  const links = new HtmlLinks((url) => onLink(url), base);
  const decoder = new TextDecoder('utf-8');
  let broken = false;
  const safely = (step: () => void): void => {
    if (broken) return;
    try {
      step();
    } catch {
      // htmlparser2 does not throw on any input; if it ever did, this page's links stop here.
      broken = true;
    }
  };
  return {
    push: (chunk) => safely(() => links.write(decoder.decode(chunk, { stream: true }))),
    end: () =>
      safely(() => {
        links.write(decoder.decode());
        links.end();
      }),
    abort: () => {
      broken = true;
    },
  };
}

/** No Content-Type is read as HTML (servers of static files often send none for `.html`). */
function isHtml(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'text/html' || type === 'application/xhtml+xml';
}
