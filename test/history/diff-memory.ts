/**
 * Runs `fetch-many diff --ndjson OLD NEW` over two generated files of `count` results each, in a
 * child process whose peak RSS (VmHWM, read by the child itself at exit: see
 * test/helpers/peak-rss-file.mjs) comes back with its exit code and output line count. Shared
 * by the memory test (a smaller pair) and bench/diff.ts (the 1M pair of issue 20).
 */
import { spawn } from 'node:child_process';
import { createReadStream, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from './big-results.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface DiffMeasure {
  code: number | null;
  peakKiB: number;
  /** Lines written to stdout: one per result of NEW, plus one per gone target. */
  lines: number;
  stderr: string;
}

export async function measureDiff(dir: string, count: number): Promise<DiffMeasure> {
  const oldFile = join(dir, 'old.ndjson');
  const newFile = join(dir, 'new.ndjson');
  await writeResults(oldFile, count, 0);
  await writeResults(newFile, count, 1);
  const out = join(dir, 'out.ndjson');
  const rss = join(dir, 'rss');
  const fd = openSync(out, 'w');
  const child = spawn(
    process.execPath,
    [
      '--import',
      join(ROOT, 'test/helpers/peak-rss-file.mjs'),
      join(ROOT, 'bin/fetch-many.js'),
      'diff',
      '--ndjson',
      oldFile,
      newFile,
    ],
    { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, PEAK_RSS_FILE: rss } },
  );
  closeSync(fd);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
  let lines = 0;
  for await (const chunk of createReadStream(out)) {
    for (const byte of chunk as Buffer) if (byte === 0x0a) lines++;
  }
  const peak = Number((await readFile(rss, 'utf8')).trim());
  return { code, peakKiB: peak, lines, stderr };
}
