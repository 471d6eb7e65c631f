import { createServer } from 'node:net';

/**
 * Asks the kernel for `count` free ports on 127.0.0.1 by binding port 0, then releases them for
 * nginx to bind. All servers are held open until every port is known, so the kernel cannot hand
 * the same port out twice; the small window between close and nginx's bind is accepted (nginx
 * then fails to start and says so in its error log).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return ports;
}
