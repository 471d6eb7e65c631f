/**
 * Workload (m): `fetch-many merge` over 1,000,000 generated results — issue 11's scale goal:
 * `--ndjson` / `--csv` stream in bounded memory, `--json` and the table stay under 500 MiB.
 *
 * The results are written as 4 shard files, each in a shuffled (completion-like) order, plus a
 * fifth "interrupted run" file holding 1% of the targets as `cancelled`, which lose to the
 * finished results — so the merge does the work a real one does: check every line, drop the
 * losers, put 1M results back in list order. Each command runs under /usr/bin/time
 * (bench/measure.ts); wall time and peak RSS go into a marked section of RESULTS.md, replaced on
 * every run so other workloads' rows are left alone.
 *
 *   npm run bench -- --only m          this workload only (updates just its section)
 *   npx tsx bench/merge.ts [--quick]   the same, standalone
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { resultToJson } from '../src/report/result-json.js';
import type { Result } from '../src/types.js';
import { type CommandSpec, measureOnce, type Sample } from './measure.js';

export interface MergeBenchEnv {
  root: string;
  /** Scratch directory (relative to root). */
  work: string;
  timeBin: string;
  quick: boolean;
  /** The RESULTS file whose merge section is replaced. */
  out: string;
}

interface Row {
  format: string;
  label?: string;
  command: string;
  sample: Sample;
  limitMiB: number | null;
}

const SHARDS = 4;
/** The section starts at this heading (a `## `, so other sections' "up to the next ## " stops here) and ends at END. */
const HEADING = '## Merge (issue 11)';
const END = '<!-- bench:merge:end -->';

/** A plausible result: mostly 200s, some 404s (failed expectation), some refused. */
function result(index: number): Result {
  const url = `http://shop-${index % 97}.example.com/item/${index}?ref=bench`;
  const kind = index % 50;
  const refused = kind === 7;
  const status = refused ? null : kind === 3 ? 404 : 200;
  return {
    index,
    input: url,
    url,
    method: 'GET',
    status,
    ok: status === 200,
    bytes: refused ? 0 : 1024 + (index % 4096),
    timings: {
      dns: index % 97 === 0 ? 0.41 : null,
      connect: refused ? null : 0.32,
      tls: null,
      firstByte: refused ? null : 2 + (index % 1000) / 100,
      total: 2.5 + (index % 3000) / 100,
    },
    reused: index % 97 !== 0,
    httpVersion: null,
    error: refused ? { code: 'refused', message: `connection refused by shop-${index % 97}.example.com:80` } : null,
    failures: status === 404 ? ['status 404 not in 200-399'] : [],
    attempts: 1,
    redirects: [],
    finalUrl: url,
    remoteAddress: refused ? null : '192.0.2.10',
    tls: null,
    decodedBytes: null,
    savedTo: null,
  };
}

/** Writes `lines` through a stream with backpressure. */
async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.end(buf);
  await new Promise<void>((r) => out.once('finish', () => r()));
}

/** Indexes of shard s in a completion-like order: in-order blocks of 1000, shuffled within. */
function* completionOrder(n: number, s: number): Generator<number> {
  let seed = 12345 + s;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const block: number[] = [];
  const flush = function* (): Generator<number> {
    for (let i = block.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [block[i], block[j]] = [block[j]!, block[i]!];
    }
    yield* block;
    block.length = 0;
  };
  for (let k = s; k < n; k += SHARDS) {
    block.push(k);
    if (block.length === 1000) yield* flush();
  }
  yield* flush();
}

async function generate(dir: string, n: number): Promise<string[]> {
  const files: string[] = [];
  for (let s = 0; s < SHARDS; s++) {
    const path = join(dir, `shard-${s + 1}.ndjson`);
    files.push(path);
    if (existsSync(path) && statSync(path).size > 0) continue;
    await writeLines(
      path,
      (function* () {
        for (const index of completionOrder(n, s)) yield `${resultToJson(result(index))}\n`;
      })(),
    );
  }
  // An interrupted earlier run: 1% of the targets were cancelled there; the shards finished them.
  const cancelled = join(dir, 'interrupted.ndjson');
  files.push(cancelled);
  if (!existsSync(cancelled) || statSync(cancelled).size === 0) {
    await writeLines(
      cancelled,
      (function* () {
        for (let index = 0; index < n; index += 100) {
          const r = result(index);
          yield `${resultToJson({ ...r, ok: false, status: null, bytes: 0, error: { code: 'cancelled', message: 'cancelled' }, failures: [] })}\n`;
        }
      })(),
    );
  }
  return files;
}

function countLines(path: string): number {
  const data = readFileSync(path);
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

export async function runMergeBench(env: MergeBenchEnv): Promise<Row[]> {
  const n = env.quick ? 100_000 : 1_000_000;
  const dir = join(env.root, env.work, `merge-${n}`);
  mkdirSync(dir, { recursive: true });
  process.stderr.write(
    `\n(m) merge ${n} results from ${SHARDS} shards + 1 interrupted run — generating inputs in ${relative(env.root, dir)}\n`,
  );
  const files = (await generate(dir, n)).map((f) => relative(env.root, f));
  const failedExit = 1; // 404s and refused connections in the data
  const formats: Array<{
    format: string;
    flags: string[];
    limitMiB: number | null;
    lines: number | null;
    node?: string[];
    label?: string;
  }> = [
    { format: '--ndjson', flags: ['--ndjson'], limitMiB: null, lines: n },
    // The same with V8's old space capped: it still completes, so what it holds does not grow with
    // N; the RSS above is V8 collecting lazily with room to spare.
    {
      format: '--ndjson',
      label: 'under node --max-old-space-size=96',
      flags: ['--ndjson'],
      limitMiB: null,
      lines: n,
      node: ['--max-old-space-size=96'],
    },
    { format: '--csv', flags: ['--csv'], limitMiB: null, lines: n + 1 },
    { format: '--json', flags: ['--json'], limitMiB: 500, lines: null },
    { format: 'table', flags: [], limitMiB: 500, lines: null },
  ];
  const rows: Row[] = [];
  for (const f of formats) {
    const stdout = join(dir, `out.${`${f.format} ${f.label ?? ''}`.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`);
    const spec: CommandSpec = {
      peer: 'fetch-many',
      argv: ['node', ...(f.node ?? []), 'bin/fetch-many.js', 'merge', ...f.flags, ...files, '--total', String(n)],
      stdout,
      requests: n,
      timeoutMs: 600_000,
      check: (s) => {
        if (s.exitCode !== failedExit) return { ok: false, note: `exit ${String(s.exitCode)}` };
        if (f.lines !== null && countLines(stdout) !== f.lines) return { ok: false, note: 'wrong line count' };
        if (f.format === '--json' && !readFileSync(stdout, 'utf8').includes(`"summary":{"total":${n},`)) {
          return { ok: false, note: 'summary total wrong' };
        }
        return { ok: true };
      },
    };
    const sample = await measureOnce(spec, {
      timeBin: env.timeBin,
      cwd: env.root,
      workDir: join(env.root, env.work),
      statusUrl: null,
    });
    const rss = sample.maxRssKiB / 1024;
    process.stderr.write(
      `  m      merge ${`${f.format}${f.label === undefined ? '' : ` ${f.label}`}`.padEnd(8)} wall ${(sample.wallMs / 1000).toFixed(2).padStart(6)} s  cpu ${(sample.cpuMs / 1000).toFixed(2).padStart(6)} s  rss ${rss.toFixed(0).padStart(5)} MiB  ${sample.check.ok ? 'ok' : `FAILED (${sample.check.note ?? ''}) ${sample.stderrTail.trim().split('\n').pop() ?? ''}`}\n`,
    );
    rows.push({
      format: f.format,
      ...(f.label === undefined ? {} : { label: f.label }),
      command: spec.argv.join(' '),
      sample,
      limitMiB: f.limitMiB,
    });
  }
  const bytes = files.slice(0, SHARDS).reduce((sum, f) => sum + statSync(join(env.root, f)).size, 0);
  writeSection(env.out, render(rows, n, env.quick, Math.round(bytes / n)));
  process.stderr.write(`bench: merge rows written to ${relative(env.root, env.out)}\n`);
  return rows;
}

function render(rows: Row[], n: number, quick: boolean, lineBytes: number): string {
  const out = [
    `${HEADING}: (m) merge ${n.toLocaleString('en-US')} results (4 shards + an interrupted run's 1% cancelled)`,
    '',
    `Workload m of \`npm run bench\` (alone: \`npm run bench -- --only m${quick ? ' --quick' : ''}\`), ${new Date().toISOString()}; one run each, under /usr/bin/time; load average at the end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} on ${availableParallelism()} CPUs (wall is noisy when it exceeds them; CPU and RSS much less so).`,
    `Inputs: ${SHARDS} shard files in completion-like order (blocks of 1000 shuffled) and a file of ${n / 100} cancelled results that lose to finished ones; ${lineBytes} bytes a line on average.`,
    '`--ndjson`/`--csv` must stream in bounded memory; `--json` and the table must stay under 500 MiB. The row under `--max-old-space-size=96` is the evidence for "bounded": with V8\'s old space capped at 96 MiB the merge still completes, so what it holds does not grow with N; the higher RSS of the other rows is V8 collecting lazily while memory is plentiful.',
    '',
    '| output | wall | CPU | peak RSS | goal | check |',
    '| --- | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const rss = r.sample.maxRssKiB / 1024;
    const goal = r.limitMiB === null ? 'bounded' : `< ${r.limitMiB} MiB`;
    const met = r.limitMiB === null || rss < r.limitMiB;
    out.push(
      `| merge \`${r.format}\`${r.label === undefined ? '' : ` ${r.label}`} | ${(r.sample.wallMs / 1000).toFixed(2)} s | ${(r.sample.cpuMs / 1000).toFixed(2)} s | ${rss.toFixed(0)} MiB | ${goal}${met ? '' : ' **missed**'} | ${r.sample.check.ok ? 'ok' : `FAILED: ${r.sample.check.note ?? ''}`} |`,
    );
  }
  out.push('', `Command (one of them): \`${rows[0]?.command ?? ''} > out\``, END);
  return out.join('\n');
}

/** Replaces the merge section of `path` (or appends it), leaving the rest of the file alone. */
function writeSection(path: string, section: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# fetch-many benchmark results\n';
  const begin = text.indexOf(HEADING);
  const end = text.indexOf(END, begin);
  const next =
    begin !== -1 && end > begin
      ? `${text.slice(0, begin)}${section}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, next);
}

// Standalone: `npx tsx bench/merge.ts [--quick]`.
if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const root = join(new URL('.', import.meta.url).pathname, '..');
  const quick = process.argv.includes('--quick');
  await runMergeBench({
    root,
    work: 'bench/.work',
    timeBin: '/usr/bin/time',
    quick,
    out: quick ? join(root, 'bench/.work/RESULTS-quick.md') : join(root, 'bench/RESULTS.md'),
  });
}
