/**
 * Large generated results files for the memory checks of `diff` (test and bench): `count`
 * plausible results, one NDJSON line each, in a shuffled, completion-like order (blocks of 1000
 * reversed in turn), written with back-pressure. `variant` changes which targets fail and drops
 * every 100th target, so two files differ the way two runs do.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { resultToJson } from '../../src/report/result-json.js';
import type { Result } from '../../src/types.js';

function result(index: number, variant: number): Result {
  const url = `http://shop-${index % 97}.example.com/item/${index}?ref=bench`;
  const failing = (index + variant * 7) % 50 === 3;
  return {
    index,
    input: url,
    url,
    method: 'GET',
    status: failing ? 503 : 200,
    ok: !failing,
    bytes: 1024 + (index % 4096),
    timings: {
      dns: null,
      connect: 0.32,
      tls: null,
      firstByte: 2 + (index % 1000) / 100,
      total: 2.5 + (index % 3000) / 100,
    },
    reused: index % 97 !== 0,
    httpVersion: '1.1',
    error: null,
    failures: failing ? ['status 503 not in 200-399'] : [],
    attempts: 1,
    redirects: [],
    finalUrl: url,
    remoteAddress: '192.0.2.10',
    tls: null,
    decodedBytes: null,
    savedTo: null,
  };
}

export async function writeResults(path: string, count: number, variant: number): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (let block = 0; block * 1000 < count; block++) {
    const start = block * 1000;
    const end = Math.min(count, start + 1000);
    for (let i = 0; i < end - start; i++) {
      // Odd blocks backwards: out of order, as results finish.
      const k = block % 2 === 0 ? start + i : end - 1 - i;
      // The later run lacks every 100th target (gone) and has new ones past the end.
      if (variant > 0 && k % 100 === 0) continue;
      buf += `${resultToJson(result(variant > 0 && k % 100 === 1 ? count + k : k, variant))}\n`;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
