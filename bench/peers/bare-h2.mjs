// Peer: the HTTPS floor over HTTP/2, Node's own node:http2 client doing the same work.
//
//   node bench/peers/bare-h2.mjs <urls.txt> <concurrency> <body-bytes> --ca <ca.pem>
//
// One ClientHttp2Session per origin; every request a stream on it. Each origin gets its share of
// the concurrency as streams in flight (as fetch-many's --per-host): a stream that ends starts the
// origin's next one. Bodies are counted, not kept. This is a baseline for the benchmark, not a
// part of fetch-many (whose HTTP/2 is its own): what Node's built-in client costs for the same work.
//
// It checks its own work: exactly one :status 200 response per URL, each body exactly <body-bytes>
// long, every session negotiated h2; otherwise it exits 1. Prints one JSON line on stdout,
// {"versions":{"2":N}}, that bench/https.ts counts like curl's `%{http_version}` lines, and a
// summary line on stderr.
import { readFileSync } from 'node:fs';
import { connect, constants } from 'node:http2';
import { createSecureContext } from 'node:tls';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { ca: { type: 'string' } } });
const [file, concurrencyText, bodyText] = positionals;
if (file === undefined || concurrencyText === undefined || bodyText === undefined || values.ca === undefined) {
  process.stderr.write('usage: bare-h2.mjs <urls.txt> <concurrency> <body-bytes> --ca <ca.pem>\n');
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const bodyBytes = Number(bodyText);
const secureContext = createSecureContext({ ca: readFileSync(values.ca) });
const { HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_METHOD } = constants;

const queues = new Map();
let total = 0;
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (line === '') continue;
  const url = new URL(line);
  let queue = queues.get(url.origin);
  if (queue === undefined) {
    queue = { origin: url.origin, paths: [], next: 0 };
    queues.set(url.origin, queue);
  }
  queue.paths.push(url.pathname + url.search);
  total++;
}
const perHost = Math.max(1, Math.ceil(concurrency / queues.size));

let ok = 0;
let failed = 0;
let bytes = 0;
const errors = new Map();

function fail(code) {
  failed++;
  errors.set(code, (errors.get(code) ?? 0) + 1);
}

/** One stream after another on the origin's session, until its queue is empty. */
function lane(session, queue) {
  return new Promise((resolve) => {
    const next = () => {
      if (queue.next >= queue.paths.length) return resolve();
      if (session.destroyed || session.closed) {
        fail('session-gone');
        return resolve();
      }
      const path = queue.paths[queue.next++];
      const stream = session.request({ [HTTP2_HEADER_METHOD]: 'GET', [HTTP2_HEADER_PATH]: path }, { endStream: true });
      let status = 0;
      let length = 0;
      stream.on('response', (headers) => (status = Number(headers[HTTP2_HEADER_STATUS])));
      stream.on('data', (chunk) => (length += chunk.length));
      stream.on('end', () => {
        bytes += length;
        if (status !== 200) fail(`status-${status}`);
        else if (length !== bodyBytes) fail('body-length');
        else ok++;
      });
      stream.on('error', (error) => fail(error.code ?? 'stream-error'));
      stream.on('close', next);
    };
    next();
  });
}

async function origin(queue) {
  const session = connect(queue.origin, { secureContext });
  session.on('error', (error) => fail(error.code ?? 'session-error'));
  await new Promise((resolve) => {
    session.once('connect', resolve);
    session.once('close', resolve);
  });
  if (session.alpnProtocol !== 'h2') {
    fail(`alpn-${String(session.alpnProtocol)}`);
    session.destroy();
    return;
  }
  const lanes = [];
  for (let i = 0; i < Math.min(perHost, queue.paths.length); i++) lanes.push(lane(session, queue));
  await Promise.all(lanes);
  session.close();
}

await Promise.all([...queues.values()].map(origin));
const good = ok === total && failed === 0 && bytes === total * bodyBytes;
process.stdout.write(`${JSON.stringify({ versions: { 2: ok } })}\n`);
process.stderr.write(
  `${JSON.stringify({ peer: 'node floor', ok, failed, expected: total, bytes, errors: Object.fromEntries(errors) })}\n`,
);
process.exitCode = good ? 0 : 1;
