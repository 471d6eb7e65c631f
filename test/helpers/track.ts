import { afterEach } from 'vitest';

interface Closable {
  close(): Promise<void>;
}

/**
 * Registers an `afterEach` that closes every server started through the returned function, so a
 * failing test never leaves a server (and the test process) running.
 *
 * @example const start = closeAfterEach(); const server = await start(startHttpServer());
 */
export function closeAfterEach(): <T extends Closable>(server: T | Promise<T>) => Promise<T> {
  const open: Closable[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (server) => {
    const s = await server;
    open.push(s);
    return s;
  };
}
