import fc from 'fast-check';
import { caseArb, ours, theirs, differences, explain } from './parser-diff.js';
const n = Number(process.argv[2] ?? 20000);
const samples = fc.sample(caseArb, { numRuns: n, seed: Number(process.argv[3] ?? 1) });
const buckets = new Map<string, { n: number; ex: string }>();
const explained = new Map<string, number>();
for (const c of samples) {
  const o = ours(c);
  const t = theirs(c);
  const d = differences(o, t);
  if (d.length === 0) continue;
  const e = explain(c, o, t);
  if (e) {
    explained.set(e.name, (explained.get(e.name) ?? 0) + 1);
    continue;
  }
  const key = `${d.join(',')} | ours=${o.error ? 'ERR ' + (o.reason ?? '').replace(/\d+/g, 'N').slice(0, 60) : 'ok'} | ll=${t.error ? 'ERR ' + t.reason : 'ok'}`;
  const b = buckets.get(key) ?? {
    n: 0,
    ex:
      JSON.stringify(c.bytes.toString('latin1')).slice(0, 300) +
      ` ${c.method} close=${c.close} cuts=${c.cuts}\n    ours=${JSON.stringify(o).slice(0, 300)}\n    ll=${JSON.stringify(t).slice(0, 300)}`,
  };
  b.n++;
  buckets.set(key, b);
}
console.log(explained);
for (const [k, v] of [...buckets].sort((a, b) => b[1].n - a[1].n)) console.log(v.n, k, '\n   ', v.ex);
