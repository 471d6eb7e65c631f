// A server that accepts every connection and never sends a byte: the "hung upstream" of
// workload (d). It runs in its own process so its event loop never competes with the client
// being measured, and prints {"port":N} once listening.
//
// Bounded: it exits by itself after --max-seconds (default 900) even if the parent forgets it.
import { createServer } from 'node:net';

const maxSeconds = Number(process.argv[2] ?? '900');
const sockets = new Set();

const server = createServer((socket) => {
  // Read and drop the request, answer nothing: the client waits on a healthy but silent
  // connection. Reading (rather than pausing) lets us see the client's FIN and close our side,
  // so sockets from earlier runs do not pile up in CLOSE_WAIT.
  sockets.add(socket);
  socket.resume();
  socket.on('error', () => {});
  socket.on('close', () => sockets.delete(socket));
});

// The kernel caps the backlog at net.core.somaxconn (4096 on current kernels); 1,000 clients
// connecting at once must all complete their handshake rather than wait in SYN retries, or the
// measured time would be the kernel's retry schedule instead of the client's timeout handling.
server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});

const stop = () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxSeconds * 1000).unref();
