/**
 * Issue 20's memory goal for `fetch-many diff`: a 1,000,000-result baseline against a later run
 * of 1M results within 300 MiB peak RSS. Too slow for the test suite (~1 min on 2 busy cores);
 * test/history/diff-memory.test.ts runs the same measurement on a 200k pair.
 *
 *   npx tsx bench/diff.ts [count]      default 1000000; exit 1 when over 300 MiB
 *
 * The two files (≈ 490 MB each at 1M) are generated into bench/.work/diff-<count>/ and removed
 * afterwards. The child reads its own VmHWM at exit (test/helpers/peak-rss-file.mjs).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureDiff } from '../test/history/diff-memory.js';

const LIMIT_MIB = 300;
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const count = Number(process.argv[2] ?? 1_000_000);
if (!Number.isSafeInteger(count) || count < 1000) throw new Error('count: a whole number ≥ 1000');
const dir = join(ROOT, 'bench', '.work', `diff-${count}`);
mkdirSync(dir, { recursive: true });
try {
  const started = performance.now();
  const m = await measureDiff(dir, count);
  const wall = (performance.now() - started) / 1000;
  const mib = m.peakKiB / 1024;
  process.stdout.write(
    `diff ${count} vs ${count} results: exit ${m.code}, ${m.lines} lines out, peak RSS ${mib.toFixed(1)} MiB ` +
      `(limit ${LIMIT_MIB}), ${wall.toFixed(1)} s with generation, load ${loadavg()[0]!.toFixed(2)}\n`,
  );
  if (m.code !== 1 || mib >= LIMIT_MIB) {
    process.stderr.write(`bench/diff: FAILED\n${m.stderr}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
