// Using fetch-many as a library: results arrive in completion order, one per target.
import { fetchMany } from 'fetch-many';

const targets = [
  'https://www.example.com/',
  { url: 'https://api.example.com/health', expect: { status: '200', bodyIncludes: 'ok' } },
  { host: 'localhost', port: 8080, path: '/ready', timeout: '2s' },
];

let failed = 0;
for await (const r of fetchMany(targets, { concurrency: 20, timeout: 5000 })) {
  if (!r.ok) failed++;
  console.log(`#${r.index} ${r.url ?? r.input} → ${r.status ?? r.error?.code} in ${r.timings.total} ms`);
}
process.exitCode = failed > 0 ? 1 : 0;
