// Peer: the floor, a bare node:net client doing the same work with nothing else.
//
//   node bench/peers/bare-net.mjs <urls.txt> <concurrency> [--close]
//
// Each origin gets its share of the concurrency as sockets (as fetch-many's --per-host); each socket
// writes one GET, reads the status line and Content-Length (nginx's fixed-size bodies, no chunked
// encoding), skips that many body bytes, and writes the next one. --close opens a new connection
// per request with `Connection: close` and reads to the end. No validation beyond that: this is
// what bare Node costs for the same requests. Prints one JSON summary line on stderr, exits 0 only
// when every response was a 2xx/3xx.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';

const [file, concurrencyText, ...flags] = process.argv.slice(2);
if (file === undefined || concurrencyText === undefined) {
  process.stderr.write('usage: bare-net.mjs <urls.txt> <concurrency> [--close]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const close = flags.includes('--close');

const queues = new Map();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line === '') continue;
  const url = new URL(line);
  const key = `${url.hostname}:${url.port}`;
  let queue = queues.get(key);
  if (queue === undefined) {
    queue = { host: url.hostname, port: Number(url.port), hostHeader: url.host, paths: [], next: 0 };
    queues.set(key, queue);
  }
  queue.paths.push(url.pathname + url.search);
}
const perHost = Math.max(1, Math.ceil(concurrency / queues.size));

let ok = 0;
let failed = 0;
let bytes = 0;
const errors = new Map();
const CRLF2 = Buffer.from('\r\n\r\n');

/** Content-Length from a header block (latin1 text), or -1. */
function contentLength(head) {
  const at = head.toLowerCase().indexOf('\r\ncontent-length:');
  if (at < 0) return -1;
  const end = head.indexOf('\r\n', at + 2);
  return Number(head.slice(at + 17, end < 0 ? undefined : end).trim());
}

function request(queue, path) {
  const connection = close ? 'close' : 'keep-alive';
  return `GET ${path} HTTP/1.1\r\nHost: ${queue.hostHeader}\r\nConnection: ${connection}\r\n\r\n`;
}

/** One socket working through its origin's queue, one request at a time. */
function worker(queue) {
  return new Promise((resolve) => {
    if (queue.next >= queue.paths.length) return resolve();
    const socket = connect({ host: queue.host, port: queue.port, noDelay: true });
    let buffer = Buffer.alloc(0);
    let bodyLeft = -1;
    let status = 0;
    const send = () => {
      if (queue.next >= queue.paths.length) {
        socket.end();
        return;
      }
      socket.write(request(queue, queue.paths[queue.next++]));
    };
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      for (;;) {
        if (bodyLeft < 0) {
          const end = buffer.indexOf(CRLF2);
          if (end < 0) return;
          const head = buffer.toString('latin1', 0, end);
          status = Number(head.slice(9, 12));
          bodyLeft = contentLength(head);
          buffer = buffer.subarray(end + 4);
          if (bodyLeft < 0) {
            failed++;
            socket.destroy();
            return resolve();
          }
        }
        if (buffer.length < bodyLeft) return;
        bytes += bodyLeft;
        buffer = buffer.subarray(bodyLeft);
        bodyLeft = -1;
        if (status >= 200 && status < 400) ok++;
        else failed++;
        if (close) {
          socket.destroy();
          return resolve(worker(queue));
        }
        send();
      }
    });
    socket.on('error', (error) => {
      failed++;
      errors.set(error.code ?? 'error', (errors.get(error.code ?? 'error') ?? 0) + 1);
      resolve();
    });
    socket.on('close', () => resolve());
  });
}

const workers = [];
for (const queue of queues.values()) {
  for (let i = 0; i < Math.min(perHost, queue.paths.length); i++) workers.push(worker(queue));
}
await Promise.all(workers);
process.stderr.write(
  `${JSON.stringify({ peer: 'node floor', ok, failed, bytes, errors: Object.fromEntries(errors) })}\n`,
);
process.exitCode = failed === 0 ? 0 : 1;
