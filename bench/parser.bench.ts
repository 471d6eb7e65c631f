/**
 * Micro-benchmark of the response parser alone: a typical nginx response (1 KiB body, the head
 * nginx sends for `return 200 "…"` on a keep-alive connection), parsed N times on one reused
 * parser. Prints ns per response for the whole response in one chunk, and for the head and body
 * arriving in separate chunks.
 *
 *   npx tsx bench/parser.bench.ts [iterations]
 */
import { ResponseParser, type ParserHandler, type ResponseHead } from '../src/engine/h1/parser.js';

const iterations = Math.max(1, Number(process.argv[2] ?? 1e6) || 1e6);

const body = Buffer.alloc(1024, 'abcdefghijklmnopqrstuvwxyz0123456789');
const headText =
  'HTTP/1.1 200 OK\r\n' +
  'Server: nginx/1.24.0\r\n' +
  'Date: Tue, 14 Jan 2025 10:00:00 GMT\r\n' +
  'Content-Type: application/octet-stream\r\n' +
  'Content-Length: 1024\r\n' +
  'Connection: keep-alive\r\n' +
  '\r\n';
const head = Buffer.from(headText, 'latin1');
const whole = Buffer.concat([head, body]);

let bodyBytes = 0;
let completed = 0;
let lastHead: ResponseHead | null = null;
const handler: ParserHandler = {
  onHead(h) {
    lastHead = h;
  },
  onBody(_chunk, start, end) {
    bodyBytes += end - start;
  },
  onComplete() {
    completed++;
  },
};
const parser = new ResponseParser(handler);

function run(label: string, chunks: readonly Buffer[], n: number): void {
  bodyBytes = 0;
  completed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    parser.start('GET');
    for (const c of chunks) parser.execute(c);
  }
  const wall = Number(process.hrtime.bigint() - t0) / n;
  const used = process.cpuUsage(cpu0);
  // CPU time too: on a busy machine wall time also counts other processes' turns.
  const cpu = ((used.user + used.system) * 1000) / n;
  // Check the work was really done, so the loop cannot have been optimised away unnoticed.
  if (completed !== n || bodyBytes !== n * body.length || lastHead?.status !== 200) {
    throw new Error(`benchmark sanity check failed (${completed} completed, ${bodyBytes} body bytes)`);
  }
  console.log(
    `${label.padEnd(22)} ${wall.toFixed(0).padStart(6)} ns/response wall, ${cpu.toFixed(0).padStart(6)} ns CPU  (${n} responses)`,
  );
}

// Warm up so the JIT has settled before measuring.
run('warm-up', [whole], Math.min(iterations, 100_000));
run('one chunk', [whole], iterations);
run('head and body chunks', [head, body], iterations);
console.log(`(${whole.length} bytes/response: ${head.length} head + ${body.length} body)`);
