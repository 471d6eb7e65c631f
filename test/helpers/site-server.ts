/**
 * Generated websites on 127.0.0.1, port 0, for the input tests (issue 21) and the crawl benchmark:
 * a sitemap index whose sitemaps stream in two halves, and a crawlable tree of pages. Every
 * request is counted by path, and what the server did is logged in order, so tests assert on the
 * order of events rather than on time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants, createGzip } from 'node:zlib';

export interface SiteServer {
  origin: string;
  /** Requests by path (query included). */
  hits: Map<string, number>;
  /** What happened, in order: `sitemap <name> half`, `sitemap <name> end`, `page <n>`… */
  events: string[];
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse, site: SiteServer) => void,
): Promise<SiteServer> {
  const hits = new Map<string, number>();
  const events: string[] = [];
  const sockets = new Set<import('node:net').Socket>();
  let site!: SiteServer;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handler(req, res, site);
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  site = {
    origin: `http://127.0.0.1:${port}`,
    hits,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return site;
}

export interface SitemapSiteOptions {
  /** Pages in all, split evenly over the sitemaps. */
  pages: number;
  sitemaps: number;
  /** Page numbers that answer 404. */
  broken: ReadonlySet<number>;
  /** Sitemaps (by number) served gzip-compressed, as `sitemap-<n>.xml.gz`. */
  gzipped: ReadonlySet<number>;
  /**
   * Each sitemap sends its first half, then waits until a page of that half has been requested
   * before sending the rest (at most `holdMs`, after which it logs `sitemap <n> gave up`). So a
   * reader that does not stream would make the run wait; one that streams never does.
   */
  holdMs?: number;
}

/** `/sitemap-index.xml` → `/sitemap-<n>.xml[.gz]` → `/page/<k>` (200, or 404 when broken). */
export function startSitemapSite(options: SitemapSiteOptions): Promise<SiteServer> {
  const per = Math.ceil(options.pages / options.sitemaps);
  const name = (n: number): string => `sitemap-${n}.xml${options.gzipped.has(n) ? '.gz' : ''}`;
  const waiting = new Map<number, () => void>();
  return listen((req, res, site) => {
    const path = req.url ?? '/';
    if (path === '/sitemap-index.xml') {
      const list = Array.from(
        { length: options.sitemaps },
        (_, n) => `<sitemap><loc>${site.origin}/${name(n)}</loc></sitemap>`,
      );
      res.setHeader('content-type', 'application/xml');
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${list.join('\n')}\n</sitemapindex>\n`,
      );
      return;
    }
    const sitemap = /^\/sitemap-(\d+)\.xml(\.gz)?$/.exec(path);
    if (sitemap !== null) {
      const n = Number(sitemap[1]);
      const first = n * per;
      const last = Math.min(options.pages, first + per);
      const mid = first + Math.floor((last - first) / 2);
      const urls = (from: number, to: number): string => {
        let text = '';
        for (let k = from; k < to; k++) text += `<url><loc>${site.origin}/page/${k}</loc></url>\n`;
        return text;
      };
      res.setHeader('content-type', 'application/xml');
      const gzip = options.gzipped.has(n) ? createGzip() : null;
      if (gzip !== null) gzip.pipe(res);
      const out = gzip ?? res;
      out.write(
        `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n`,
      );
      out.write(urls(first, mid));
      gzip?.flush(constants.Z_SYNC_FLUSH);
      site.events.push(`sitemap ${n} half`);
      const rest = (): void => {
        waiting.delete(n);
        clearTimeout(timer);
        out.end(`${urls(mid, last)}</urlset>\n`);
        site.events.push(`sitemap ${n} end`);
      };
      const timer = setTimeout(() => {
        site.events.push(`sitemap ${n} gave up`);
        rest();
      }, options.holdMs ?? 20_000);
      timer.unref();
      waiting.set(n, rest);
      return;
    }
    const page = /^\/page\/(\d+)$/.exec(path);
    if (page !== null) {
      const k = Number(page[1]);
      site.events.push(`page ${k}`);
      waiting.get(Math.floor(k / per))?.();
      res.statusCode = options.broken.has(k) ? 404 : 200;
      res.setHeader('content-type', 'text/plain');
      res.end(options.broken.has(k) ? 'missing\n' : 'ok\n');
      return;
    }
    res.statusCode = 404;
    res.end();
  });
}

export interface CrawlSiteOptions {
  /** Pages `/p/0` … `/p/<pages-1>`: page i links to pages i·fanout+1 … i·fanout+fanout (a tree). */
  pages: number;
  fanout: number;
  /** Page i → the broken links on it (`/missing/<k>`). */
  broken: ReadonlyMap<number, readonly number[]>;
  /** Page i → absolute URLs of other origins it links to. */
  external?: ReadonlyMap<number, readonly string[]>;
}

/** Each page's depth in the tree of {@link startCrawlSite} (0 for the root). */
export function treeDepth(page: number, fanout: number): number {
  let depth = 0;
  for (let i = page; i > 0; i = Math.floor((i - 1) / fanout)) depth++;
  return depth;
}

/**
 * A tree of HTML pages under `/p/<i>`, each also linking back to the root and to its parent
 * (so pages are linked many times, and must still be fetched once), with relative and absolute
 * links, `<img>` and `<link>` elements. `/missing/<k>` answers 404.
 */
export function startCrawlSite(options: CrawlSiteOptions): Promise<SiteServer> {
  return listen((req, res, site) => {
    const path = req.url ?? '/';
    const m = /^\/p\/(\d+)$/.exec(path);
    if (m !== null && Number(m[1]) < options.pages) {
      const i = Number(m[1]);
      const links: string[] = ['<a href="/p/0">home</a>', `<link rel="stylesheet" href="${site.origin}/style.css">`];
      if (i > 0) links.push(`<a href="${Math.floor((i - 1) / options.fanout)}">up</a>`);
      for (let c = i * options.fanout + 1; c <= i * options.fanout + options.fanout && c < options.pages; c++) {
        links.push(
          c % 2 === 0 ? `<a href="/p/${c}">page ${c}</a>` : `<a href="${site.origin}/p/${c}#top">page ${c}</a>`,
        );
      }
      for (const k of options.broken.get(i) ?? []) links.push(`<a href="/missing/${k}">gone</a>`);
      for (const url of options.external?.get(i) ?? []) links.push(`<a href="${url}">elsewhere</a>`);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html>\n<html><head><title>${i}</title></head>\n<body>\n<img src="/logo.png">\n${links.join('\n')}\n</body></html>\n`,
      );
      return;
    }
    if (path === '/') {
      // An index above the tree: tools that crawl only below their start URL (linkinator) start here.
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end('<!doctype html>\n<a href="/p/0">pages</a>\n');
      return;
    }
    if (path === '/style.css' || path === '/logo.png') {
      res.setHeader('content-type', path.endsWith('.css') ? 'text/css' : 'image/png');
      res.end('x');
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'text/html');
    res.end('<a href="/p/0">not here</a>');
  });
}
