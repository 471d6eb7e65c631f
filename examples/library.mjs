// Using fetch-many as a library: results arrive in completion order, one per target.
// Runs as written against the demo (`npx fetch-many demo --serve`): `node examples/library.mjs` in a
// clone (after `npm install`), or anywhere fetch-many is installed.
import { fetchMany } from 'fetch-many';

const targets = [
  'http://127.0.0.1:8080/health',
  { url: 'http://127.0.0.1:8080/version', expect: { status: '200', bodyIncludes: 'version' } },
  { host: '127.0.0.1', port: 8080, path: '/slow', timeout: '2s' },
];

let failed = 0;
for await (const r of fetchMany(targets, { concurrency: 20, timeout: 5000 })) {
  if (!r.ok) failed++;
  console.log(`#${r.index} ${r.url ?? r.input} → ${r.status ?? r.error?.code} in ${r.timings.total} ms`);
}
process.exitCode = failed > 0 ? 1 : 0;
