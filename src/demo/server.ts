import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

/**
 * The demo's own loopback targets, so the first run needs no internet. (node:http is fine here:
 * this is the thing being fetched, not the engine.)
 */
export interface DemoServer {
  base: string;
  /** A port with nothing listening, for a `refused` row. */
  refusedPort: number;
  close(): Promise<void>;
}

export async function startDemoServer(): Promise<DemoServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    switch (url.pathname) {
      case '/health':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
        return;
      case '/missing':
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      case '/broken':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        return;
      case '/stream': {
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
        return;
      }
      case '/slow':
        setTimeout(() => res.writeHead(200).end('finally\n'), 400);
        return;
      case '/hang':
        return; // never answers: the row shows a timeout
      default:
        res.writeHead(302, { location: '/health' }).end();
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  return {
    base: `http://127.0.0.1:${port}`,
    refusedPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
