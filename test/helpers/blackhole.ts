/**
 * A loopback address:port that swallows SYNs: a listener whose accept queue is full and that never
 * accepts, as a host whose packets are dropped looks to a client (connect neither succeeds nor
 * fails). The listener lives in a worker thread that blocks in Atomics.wait right after listen(),
 * so its event loop never runs and nothing accepts; filler connections then fill the queue
 * (backlog 1). Linux then drops further SYNs (syncookies only matter for the SYN queue, not the
 * accept queue).
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export interface Blackhole {
  host: string;
  port: number;
  close(): Promise<void>;
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.once('error', (err) => parentPort.postMessage({ error: err.code ?? String(err) }));
server.listen({ host: workerData.host, port: workerData.port, backlog: 1, ipv6Only: workerData.host.includes(':') }, () => {
  parentPort.postMessage({ port: server.address().port });
  // Never return to the event loop: nothing ever accepts.
  Atomics.wait(new Int32Array(workerData.stop), 0, 0);
});
`;

/**
 * Starts a blackhole on `host` (`::1` or `127.0.0.1`), on `port` or any free one. Resolves with
 * null when this kernel still answers SYNs past a full queue (no blackhole can be made this way).
 */
export async function startBlackhole(host: string, port = 0): Promise<Blackhole | null> {
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER, { eval: true, workerData: { host, port, stop } });
  worker.unref();
  const fillers: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const s of fillers) s.destroy();
    Atomics.store(new Int32Array(stop), 0, 1);
    Atomics.notify(new Int32Array(stop), 0);
    await worker.terminate();
  };
  const message = await new Promise<{ port?: number; error?: string }>((resolve) => worker.once('message', resolve));
  if (message.port === undefined) {
    await close();
    throw new Error(`blackhole: cannot listen on ${host}:${port}: ${message.error}`);
  }
  const bound = message.port;
  // Connect until one attempt stays pending: the queue is full from then on. Bounded: 16 tries.
  for (let i = 0; i < 16; i++) {
    const socket = net.connect({ host, port: bound });
    socket.on('error', () => {});
    fillers.push(socket);
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('pending'), 200);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve('connected');
      });
      socket.once('error', () => {
        clearTimeout(timer);
        resolve('error');
      });
    });
    if (outcome === 'pending') return { host, port: bound, close };
  }
  await close();
  return null;
}
