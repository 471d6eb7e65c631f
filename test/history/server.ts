/**
 * A loopback server whose answers a test changes between runs: each path answers the status the
 * test set for it (200 unless told; 0: no answer at all), and counts its requests. POST bodies are part of the path's
 * key (`POST /p x`), so one URL can answer two bodies differently.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChangingServer {
  base: string;
  /** Status per key: `/a` for GET, `POST /p body` for a request with a body. */
  status: Map<string, number>;
  /** Requests per key. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startChangingServer(): Promise<ChangingServer> {
  const status = new Map<string, number>();
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const key = body === '' ? (req.url ?? '/') : `${req.method} ${req.url} ${body}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      const code = status.get(key) ?? 200;
      // 0: never answer (a request a signal must interrupt).
      if (code === 0) return;
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(`${code} ${key}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    status,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
