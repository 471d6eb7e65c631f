import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** The i-th URL of a workload: spread round-robin over the origins, each one distinct. */
export function urlAt(origins: readonly string[], path: string, i: number): string {
  return `${origins[i % origins.length] ?? ''}${path}?i=${i}`;
}

/**
 * Writes `count` lines made by `line(i)` to `file`, in 64 KiB batches and honouring
 * back-pressure, so the million-line file of workload (e) never sits in memory whole.
 */
export async function writeLines(file: string, count: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(file);
  let batch = '';
  for (let i = 0; i < count; i++) {
    batch += line(i);
    if (batch.length >= 65536) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

/** One URL per line: what fetch-many reads on stdin and the Node peers read from a file. */
export async function writeUrlList(
  file: string,
  origins: readonly string[],
  path: string,
  count: number,
): Promise<void> {
  await writeLines(file, count, (i) => `${urlAt(origins, path, i)}\n`);
}

/**
 * A curl config (`-K`) with one `url` and one `output = /dev/null` per target: curl pairs each
 * output with the URL before it, so every transfer is discarded rather than printed.
 */
export async function writeCurlConfig(
  file: string,
  origins: readonly string[],
  path: string,
  count: number,
): Promise<void> {
  await writeLines(file, count, (i) => `url = "${urlAt(origins, path, i)}"\noutput = "/dev/null"\n`);
}
