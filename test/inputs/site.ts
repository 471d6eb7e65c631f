/** The generated sites of test/helpers/site-server.ts, and a small server of fixed answers. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SiteServer } from '../helpers/site-server.js';

export { type SiteServer, startCrawlSite, startSitemapSite, treeDepth } from '../helpers/site-server.js';

/** Answers each path with what `answer` says; counts requests by path. */
export async function startHttpSite(
  answer: (path: string) => { status: number; body: string | Buffer; type?: string },
): Promise<SiteServer> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const a = answer(path);
    res.statusCode = a.status;
    res.setHeader('content-type', a.type ?? 'text/plain');
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    events: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
