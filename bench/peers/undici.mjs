// Peer: undici 7 (the engine behind Node's fetch), used directly through an Agent.
//
//   node bench/peers/undici.mjs <urls.txt> <concurrency> [--close]
//
// One Agent, whose per-origin pools get `connections` = this origin's share of the concurrency,
// so that it opens no more sockets than fetch-many is allowed to. Runs every URL once with
// `concurrency` requests in flight, reads and counts every body byte, prints one JSON summary
// line on stderr, and exits 0 only when every response was a 2xx/3xx.
// --close sends every request with `reset: true` (undici's Connection: close).
import { readFileSync } from 'node:fs';
import { Agent } from 'undici';

const [file, concurrencyText, ...flags] = process.argv.slice(2);
if (file === undefined || concurrencyText === undefined) {
  process.stderr.write('usage: undici.mjs <urls.txt> <concurrency> [--close]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const close = flags.includes('--close');

const urls = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '');
const origins = new Set(urls.map((url) => new URL(url).origin));
const connections = Math.max(1, Math.ceil(concurrency / origins.size));
const agent = new Agent({ connections, pipelining: 1, keepAliveTimeout: 60_000 });

let next = 0;
let ok = 0;
let failed = 0;
let bytes = 0;
const errors = new Map();

async function worker() {
  while (next < urls.length) {
    const url = new URL(urls[next++]);
    try {
      const { statusCode, body } = await agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        reset: close,
      });
      for await (const chunk of body) bytes += chunk.length;
      if (statusCode >= 200 && statusCode < 400) ok++;
      else failed++;
    } catch (error) {
      failed++;
      const code = error?.code ?? error?.name ?? 'error';
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
await agent.close();
process.stderr.write(`${JSON.stringify({ peer: 'undici', ok, failed, bytes, errors: Object.fromEntries(errors) })}\n`);
process.exitCode = failed === 0 ? 0 : 1;
