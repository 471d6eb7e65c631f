import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The demo's own loopback targets, so the first run needs no internet, and the examples in
 * examples/ and the README have something to run against. (node:http is fine here: this is the
 * thing being fetched, not the engine.)
 */
export interface DemoServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  port: number;
  /** A port with nothing listening, for a `refused` row. */
  refusedPort: number;
  close(): Promise<void>;
}

export interface DemoRoute {
  path: string;
  /** What a user sees when fetching it; printed by `fetch-many demo --serve`. */
  says: string;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

/** One table for the handlers and for the list `--serve` prints, so the two cannot drift apart. */
export const DEMO_ROUTES: readonly DemoRoute[] = [
  {
    path: '/health',
    says: '200, JSON {"status":"ok"}',
    handle: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n'),
  },
  {
    path: '/version',
    says: '200, JSON {"version":"1.4.2"}',
    handle: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"1.4.2"}\n'),
  },
  {
    path: '/search',
    says: 'POST: 200, JSON with the number of body bytes received; other methods: 405',
    handle: (req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('use POST\n');
        return;
      }
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(`{"received":${bytes}}\n`));
    },
  },
  {
    path: '/login',
    says: '200, an HTML page',
    handle: (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>login</title><form></form>\n'),
  },
  {
    path: '/metrics',
    says: '200, Prometheus-style text',
    handle: (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('demo_requests_total 1\n'),
  },
  {
    path: '/old',
    says: '301 to /health',
    handle: (_req, res) => res.writeHead(301, { location: '/health' }).end(),
  },
  {
    path: '/missing',
    says: '404',
    handle: (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n'),
  },
  {
    path: '/broken',
    says: '500',
    handle: (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n'),
  },
  {
    path: '/stream',
    says: '200, a chunked body sent over 100 ms',
    handle: (_req, res) => {
      // No Content-Length: node sends the body chunked.
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const tick = setInterval(() => {
        res.write(`chunk ${i}\n`.repeat(100));
        if (++i === 5) {
          clearInterval(tick);
          res.end();
        }
      }, 20);
      res.on('close', () => clearInterval(tick));
    },
  },
  {
    path: '/slow',
    says: '200 after 400 ms',
    handle: (_req, res) => {
      const timer = setTimeout(() => res.writeHead(200).end('finally\n'), 400);
      res.on('close', () => clearTimeout(timer));
    },
  },
  {
    path: '/hang',
    says: 'never answers (a timeout)',
    handle: () => {},
  },
  {
    path: '/',
    says: '302 to /health',
    handle: (_req, res) => res.writeHead(302, { location: '/health' }).end(),
  },
];

const byPath = new Map(DEMO_ROUTES.map((r) => [r.path, r]));

export interface DemoServerOptions {
  /** Default 0: any free port. */
  port?: number;
}

export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const route = byPath.get(new URL(req.url ?? '/', 'http://demo').pathname);
    if (route === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    else route.handle(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  return {
    base: `http://127.0.0.1:${port}`,
    port,
    refusedPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
