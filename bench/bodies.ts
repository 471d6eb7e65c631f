/**
 * Workload "bodies" (issue 14): peak RSS while fetch-many saves bodies with --output-dir.
 *
 *   big    one 200 MiB body, streamed by a loopback server, saved to disk
 *          goal: peak RSS under 150 MiB (the body must never be held in memory)
 *   small  10 000 small bodies (2 KiB each, 10 paths × 1000 queries), -c 100, saved, against
 *          the same run without --output-dir
 *          goal: peak RSS (and, reported alongside, wall time) within 1.5 × the run without
 *
 * Self-contained: its own loopback server (node:http, a baseline server is fine in a bench),
 * its own target file, output under bench/.work/bodies-out (removed after each run). run.ts
 * calls {@link runBodies} and records the section it returns in RESULTS.md.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { measureOnce, median, shellLine, type CommandSpec, type Sample, type SectionEnv } from './measure.js';

const BIG_BYTES = 200 * 1024 * 1024;
const SMALL_COUNT = 10_000;
const SMALL_BYTES = 2048;
const GOAL_BIG_MIB = 150;
const GOAL_SMALL_RATIO = 1.5;

export type BodiesEnv = SectionEnv;

/** A loopback server: `/big` streams {@link BIG_BYTES} with backpressure, `/s/…` answers 2 KiB. */
async function startServer(bigBytes: number): Promise<{ server: Server; origin: string }> {
  const block = Buffer.alloc(1024 * 1024, 'fetch-many bodies benchmark\n');
  const small = Buffer.alloc(SMALL_BYTES, 'x');
  const server = createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200, { 'Content-Length': String(bigBytes), 'Content-Type': 'application/octet-stream' });
      let left = bigBytes;
      const pump = (): void => {
        while (left > 0) {
          const piece = left >= block.length ? block : block.subarray(0, left);
          left -= piece.length;
          if (!res.write(piece)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    res.writeHead(200, { 'Content-Length': String(small.length), 'Content-Type': 'text/plain' });
    res.end(small);
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n++;
  return n;
}

interface Row {
  label: string;
  spec: CommandSpec;
  samples: Sample[];
}

const mib = (kib: number): number => kib / 1024;

/** Runs the workload; returns the Markdown section for RESULTS.md (also logged as it goes). */
export async function runBodies(env: BodiesEnv): Promise<string> {
  const work = join(env.root, env.work);
  const outDir = join(work, 'bodies-out');
  const bigBytes = env.quick ? 20 * 1024 * 1024 : BIG_BYTES;
  const smallCount = env.quick ? 1000 : SMALL_COUNT;
  const { server, origin } = await startServer(bigBytes);
  try {
    const list = join(work, 'bodies.urls.txt');
    const urls: string[] = [];
    for (let i = 0; i < smallCount; i++) urls.push(`${origin}/s/p${i % 10}?n=${i}`);
    writeFileSync(list, `${urls.join('\n')}\n`);
    const bin = ['node', 'bin/fetch-many.js', '--no-progress', '--ndjson'];
    const okCheck =
      (files: number | null) =>
      (s: Sample): { ok: boolean; note?: string } => {
        if (s.exitCode !== 0) return { ok: false, note: `exit ${String(s.exitCode)}` };
        if (files === null) return { ok: true };
        const saved = countFiles(outDir);
        return saved === files ? { ok: true } : { ok: false, note: `${saved} files saved, ${files} expected` };
      };
    const rows: Row[] = [
      {
        label: `one ${bigBytes / 1024 / 1024} MiB body, --output-dir`,
        spec: {
          peer: 'fetch-many big',
          argv: [...bin, '--output-dir', join(env.work, 'bodies-out'), `${origin}/big`],
          requests: 1,
          timeoutMs: 300_000,
          check: okCheck(1),
        },
        samples: [],
      },
      {
        label: `${smallCount} × 2 KiB, --output-dir, -c 100`,
        spec: {
          peer: 'fetch-many small -o',
          argv: [...bin, '-c', '100', '--output-dir', join(env.work, 'bodies-out'), '-'],
          stdin: join(env.work, 'bodies.urls.txt'),
          requests: smallCount,
          timeoutMs: 300_000,
          check: okCheck(smallCount),
        },
        samples: [],
      },
      {
        label: `${smallCount} × 2 KiB, no --output-dir, -c 100`,
        spec: {
          peer: 'fetch-many small',
          argv: [...bin, '-c', '100', '-'],
          stdin: join(env.work, 'bodies.urls.txt'),
          requests: smallCount,
          timeoutMs: 300_000,
          check: okCheck(null),
        },
        samples: [],
      },
    ];
    const measureEnv = { timeBin: env.timeBin, cwd: env.root, workDir: work, statusUrl: null };
    for (let run = 0; run < env.runs; run++) {
      for (const row of rows) {
        rmSync(outDir, { recursive: true, force: true });
        mkdirSync(outDir, { recursive: true });
        const s = await measureOnce(row.spec, measureEnv);
        row.samples.push(s);
        env.log(
          `  bodies ${row.spec.peer.padEnd(20)} run ${run + 1}/${env.runs}  wall ${s.wallMs.toFixed(0).padStart(6)} ms  cpu ${s.cpuMs.toFixed(0).padStart(6)} ms  rss ${mib(s.maxRssKiB).toFixed(1).padStart(6)} MiB  ${s.check.ok ? 'ok' : `FAILED (${s.check.note ?? ''}) ${s.stderrTail.trim().split('\n').slice(-2).join(' | ')}`}\n`,
        );
      }
    }
    rmSync(outDir, { recursive: true, force: true });
    return render(rows, bigBytes, env);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }
}

function render(rows: Row[], bigBytes: number, env: BodiesEnv): string {
  const med = (row: Row, pick: (s: Sample) => number): number =>
    median(row.samples.filter((s) => s.check.ok).map(pick));
  const lines = [
    `## Bodies (issue 14): saving with --output-dir`,
    '',
    `A loopback node:http server; ${env.runs} run(s) each, medians of the ok runs; max RSS from GNU time. Each run starts from an empty output directory.`,
    '',
    '```sh',
    ...rows.map((r) => shellLine(r.spec)),
    '```',
    '',
    '| run | ok runs | wall ms | CPU ms | max RSS MiB |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ok = r.samples.filter((s) => s.check.ok).length;
    lines.push(
      `| ${r.label} | ${ok}/${r.samples.length} | ${med(r, (s) => s.wallMs).toFixed(0)} | ${med(r, (s) => s.cpuMs).toFixed(0)} | ${mib(med(r, (s) => s.maxRssKiB)).toFixed(1)} |`,
    );
  }
  const [big, smallO, small] = rows as [Row, Row, Row];
  const bigRss = mib(med(big, (s) => s.maxRssKiB));
  const rssRatio = med(smallO, (s) => s.maxRssKiB) / med(small, (s) => s.maxRssKiB);
  const wallRatio = med(smallO, (s) => s.wallMs) / med(small, (s) => s.wallMs);
  const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');
  const perFileUs = ((med(smallO, (s) => s.cpuMs) - med(small, (s) => s.cpuMs)) * 1000) / smallO.spec.requests;
  lines.push(
    '',
    '| goal | measured | verdict |',
    '| --- | --- | --- |',
    `| ${bigBytes / 1024 / 1024} MiB body saved: peak RSS < ${GOAL_BIG_MIB} MiB | ${bigRss.toFixed(1)} MiB | ${verdict(bigRss < GOAL_BIG_MIB)} |`,
    `| small bodies saved: peak RSS ≤ ${GOAL_SMALL_RATIO} × without --output-dir | ${rssRatio.toFixed(2)}× | ${verdict(rssRatio <= GOAL_SMALL_RATIO)} |`,
    `| small bodies saved: wall ≤ ${GOAL_SMALL_RATIO} × without --output-dir | ${wallRatio.toFixed(2)}× | ${verdict(wallRatio <= GOAL_SMALL_RATIO)} |`,
    '',
    `Saving costs ${perFileUs.toFixed(0)} µs of CPU (user + sys) per small file here: four file-system calls each ` +
      "(open O_EXCL|O_NOFOLLOW, writev, close, rename), each a round trip through libuv's thread pool, and the " +
      "connection's slot is held until the rename is done (savedTo names a complete file). Load average at the end: " +
      `${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
    '',
  );
  return lines.join('\n');
}

const HEADING = '## Bodies (issue 14)';

/**
 * Puts `section` into the results file: replaces an earlier bodies section, else appends it, so
 * `--only bodies` updates this section without rewriting the rest of the file.
 */
export function recordSection(text: string, section: string): string {
  const start = text.indexOf(HEADING);
  if (start === -1) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + HEADING.length);
  return `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next + 1)}`;
}
