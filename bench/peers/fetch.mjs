// Peer: Node's global fetch, the way most scripts fetch many URLs.
//
//   node bench/peers/fetch.mjs <urls.txt> <concurrency> [--close]
//
// Uses the default global dispatcher as a script would (no tuning), keeps `concurrency` requests
// in flight, reads and counts every body byte, prints one JSON summary line on stderr, and exits
// 0 only when every response was a 2xx/3xx. --close adds `Connection: close` to every request.
import { readFileSync } from 'node:fs';

const [file, concurrencyText, ...flags] = process.argv.slice(2);
if (file === undefined || concurrencyText === undefined) {
  process.stderr.write('usage: fetch.mjs <urls.txt> <concurrency> [--close]\n');
  process.exit(2);
}
const concurrency = Number(concurrencyText);
const init = flags.includes('--close') ? { headers: { connection: 'close' } } : {};

const urls = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line !== '');

let next = 0;
let ok = 0;
let failed = 0;
let bytes = 0;
const errors = new Map();

async function worker() {
  while (next < urls.length) {
    const url = urls[next++];
    try {
      const response = await fetch(url, init);
      if (response.body !== null) {
        for await (const chunk of response.body) bytes += chunk.byteLength;
      }
      if (response.status >= 200 && response.status < 400) ok++;
      else failed++;
    } catch (error) {
      failed++;
      const code = error?.cause?.code ?? error?.name ?? 'error';
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, worker));
process.stderr.write(`${JSON.stringify({ peer: 'fetch', ok, failed, bytes, errors: Object.fromEntries(errors) })}\n`);
process.exitCode = failed === 0 ? 0 : 1;
