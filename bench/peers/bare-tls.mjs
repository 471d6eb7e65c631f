// Peer: the HTTPS floor over HTTP/1.1, bare node:tls sockets doing the same work with nothing else.
//
//   node bench/peers/bare-tls.mjs <urls.txt> <concurrency> <body-bytes> --ca <ca.pem> [--close]
//
// Each origin gets its share of the concurrency as sockets (as fetch-many's --per-host). Each socket
// offers only http/1.1 in ALPN (as `curl --http1.1`), writes one GET by hand, reads the status line
// and Content-Length (nginx's fixed-size bodies, no chunked encoding), skips that many body bytes
// and writes the next one on the same connection (keep-alive).
//
// --close: a new TLS connection per request, `Connection: close`, and TLS session resumption the
// way curl and fetch-many do it: the last session each origin's 'session' event handed out is
// passed to that origin's next tls.connect (TLS 1.3 tickets or 1.2 sessions alike).
//
// It checks its own work: exactly one 200 response per URL, each body exactly <body-bytes> long;
// otherwise it exits 1, so a floor that did less work never shows a figure. Prints one JSON line on
// stdout, {"versions":{"1.1":N}}, that bench/https.ts counts like curl's `%{http_version}` lines,
// and a summary line on stderr.
import { readFileSync } from 'node:fs';
import { connect, createSecureContext } from 'node:tls';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { ca: { type: 'string' }, close: { type: 'boolean', default: false } },
});
const [file, concurrencyText, bodyText] = positionals;
if (file === undefined || concurrencyText === undefined || bodyText === undefined || values.ca === undefined) {
  process.stderr.write('usage: bare-tls.mjs <urls.txt> <concurrency> <body-bytes> --ca <ca.pem> [--close]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const bodyBytes = Number(bodyText);
const close = values.close;
// One context for every connection, as fetch-many and curl keep one: a `ca` option per connect would
// parse the CA and build a new OpenSSL context each time.
const secureContext = createSecureContext({ ca: readFileSync(values.ca) });

const queues = new Map();
let total = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line === '') continue;
  const url = new URL(line);
  const key = `${url.hostname}:${url.port}`;
  let queue = queues.get(key);
  if (queue === undefined) {
    queue = { host: url.hostname, port: Number(url.port), hostHeader: url.host, paths: [], next: 0, session: null };
    queues.set(key, queue);
  }
  queue.paths.push(url.pathname + url.search);
  total++;
}
const perHost = Math.max(1, Math.ceil(concurrency / queues.size));

let ok = 0;
let failed = 0;
let bytes = 0;
let resumed = 0;
let handshakes = 0;
const errors = new Map();
const CRLF2 = Buffer.from('\r\n\r\n');

function fail(code) {
  failed++;
  errors.set(code, (errors.get(code) ?? 0) + 1);
}

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

/**
 * One socket working through its origin's queue, one request at a time; with --close, one socket per
 * request. A socket takes its first path before it connects, so none is opened without a request.
 */
function worker(queue) {
  return new Promise((resolve) => {
    if (queue.next >= queue.paths.length) return resolve();
    const first = queue.paths[queue.next++];
    const options = { host: queue.host, port: queue.port, secureContext, ALPNProtocols: ['http/1.1'] };
    // The IP literal is not a server name: no SNI, as curl and fetch-many send none for it.
    if (close && queue.session !== null) options.session = queue.session;
    const socket = connect(options);
    socket.setNoDelay(true);
    if (close) socket.on('session', (session) => (queue.session = session));
    let buffer = Buffer.alloc(0);
    let bodyLeft = -1;
    let status = 0;
    let done = false;
    const finish = (next) => {
      if (done) return;
      done = true;
      resolve(next);
    };
    const send = () => {
      if (queue.next >= queue.paths.length) {
        socket.end();
        return;
      }
      socket.write(request(queue, queue.paths[queue.next++]));
    };
    socket.on('secureConnect', () => {
      handshakes++;
      if (socket.isSessionReused()) resumed++;
      socket.write(request(queue, first));
    });
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
            fail('no-content-length');
            socket.destroy();
            return finish();
          }
        }
        if (buffer.length < bodyLeft) return;
        bytes += bodyLeft;
        if (status !== 200) fail(`status-${status}`);
        else if (bodyLeft !== bodyBytes) fail('body-length');
        else ok++;
        buffer = buffer.subarray(bodyLeft);
        bodyLeft = -1;
        if (close) {
          socket.destroy();
          return finish(worker(queue));
        }
        send();
      }
    });
    socket.on('error', (error) => {
      fail(error.code ?? 'error');
      finish();
    });
    socket.on('close', () => finish());
  });
}

const workers = [];
for (const queue of queues.values()) {
  for (let i = 0; i < Math.min(perHost, queue.paths.length); i++) workers.push(worker(queue));
}
await Promise.all(workers);
const good = ok === total && failed === 0 && bytes === total * bodyBytes;
process.stdout.write(`${JSON.stringify({ versions: { 1.1: ok } })}\n`);
process.stderr.write(
  `${JSON.stringify({ peer: 'node floor', ok, failed, expected: total, bytes, handshakes, resumed, errors: Object.fromEntries(errors) })}\n`,
);
process.exitCode = good ? 0 : 1;
