/**
 * Workload "i24" (issue 24): request bodies streamed from files, and a dead origin listed first.
 *
 *   upload  one file body (256 MiB; --quick 32 MiB) to a loopback server that reads and drops it:
 *           fetch-many --data-binary @file and -d @file, against curl -T (curl's streamed
 *           upload; its -d @file reads the file into memory), peak RSS and wall from GNU time;
 *           200 targets × a 1 MiB file body, -c 50
 *           goals: 1 file: peak RSS ≤ 80 MiB; 200 × 1 MiB: ≤ 120 MiB; the ratios to curl shown
 *   dead    2,000 targets on an origin that accepts and never answers, listed first, then 200
 *           on a healthy origin (-c 20 --per-host 10 --timeout 10s): when the last healthy
 *           result arrives, with and without the dead origin, also without --per-host (the
 *           default: an origin that has not answered holds half of -c), and with
 *           --max-host-errors 5 the whole run's wall time
 *           goals: healthy finishing time with the dead origin ≤ 2 × without it (from the same
 *           run), and before the dead origin's first timeout; with --max-host-errors 5 the run
 *           skips the dead origin's targets within one timeout (the last skipped result by 1.5 ×)
 *
 * Self-contained (its own servers, files under bench/.work/i24, removed after); run.ts calls
 * {@link runIssue24} and records the section it returns in RESULTS.md.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { signalChild, track } from './children.js';
import { measureOnce, median, shellLine, type CommandSpec, type Sample, type SectionEnv } from './measure.js';
import { startNeverAnswer } from './never-answer.js';

export const HEADING = '## Uploads and dead origins (issue 24)';
const MIB = 1024 * 1024;
const DEAD = 2000;
const HEALTHY = 200;
const TIMEOUT_S = 10;

export type Issue24Env = SectionEnv;

/** Reads every request body and drops it; answers its byte count. */
async function startSink(): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(String(n)));
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function writeFile(path: string, mib: number): Promise<void> {
  const out = createWriteStream(path);
  const block = Buffer.alloc(MIB, 'fetch-many upload benchmark, a line of text\r\n');
  for (let i = 0; i < mib; i++) if (!out.write(block)) await once(out, 'drain');
  out.end();
  await once(out, 'close');
}

interface Row {
  label: string;
  spec: CommandSpec;
  samples: Sample[];
}

const exit0 = (s: Sample): { ok: boolean; note?: string } =>
  s.exitCode === 0 ? { ok: true } : { ok: false, note: `exit ${String(s.exitCode)}` };

/** `--per-host 10` unless the row measures the default. */
const PER_HOST = ['--per-host', '10'];
/** Without the fairness cap the healthy targets wait for all 2,000 dead timeouts: give up then. */
const GIVE_UP_MS = 3 * TIMEOUT_S * 1000;

/**
 * Runs fetch-many on `list` and resolves when `healthy` ok results arrived (ms since spawn; NaN
 * when not within {@link GIVE_UP_MS}), or the run ended; then stops it (by its pid) unless
 * `toEnd`. Also gives the whole wall time when it ran to the end, and how many healthy results
 * had arrived when the first dead one did.
 */
async function healthyFinish(
  env: Issue24Env,
  list: string[],
  extra: string[],
  toEnd: boolean,
  perHost: string[] = PER_HOST,
): Promise<{
  healthyMs: number;
  wallMs: number | null;
  firstDeadMs: number | null;
  healthyAtFirstDead: number | null;
  lastSkippedMs: number | null;
  results: number;
}> {
  const args = ['bin/fetch-many.js', '--ndjson', '--no-progress', '-c', '20', ...perHost];
  const child = spawn(process.execPath, [...args, '--timeout', `${TIMEOUT_S}s`, ...extra, '-'], {
    cwd: env.root,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  track(child, { group: false });
  const started = performance.now();
  child.stdin.end(`${list.join('\n')}\n`);
  let healthyMs = Number.NaN;
  let firstDeadMs: number | null = null;
  let healthyAtFirstDead: number | null = null;
  let lastSkippedMs: number | null = null;
  let ok = 0;
  let results = 0;
  let rest = '';
  const ended = once(child, 'exit');
  let giveUp: NodeJS.Timeout | null = null;
  await new Promise<void>((resolve) => {
    if (!toEnd) giveUp = setTimeout(resolve, GIVE_UP_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        results++;
        const r = JSON.parse(line) as { index: number; ok: boolean; error: { code: string } | null };
        const now = performance.now() - started;
        if (r.index < list.length - HEALTHY) {
          if (firstDeadMs === null) {
            firstDeadMs = now;
            healthyAtFirstDead = ok;
          }
          if (r.error?.code === 'skipped') lastSkippedMs = now;
        } else if (r.ok && ++ok === HEALTHY) {
          healthyMs = now;
          if (!toEnd) resolve();
        }
      }
    });
    void ended.then(() => resolve());
  });
  if (giveUp !== null) clearTimeout(giveUp);
  if (!toEnd && child.exitCode === null && child.pid !== undefined) signalChild(child.pid, 'SIGKILL');
  await ended;
  return {
    healthyMs,
    wallMs: toEnd ? performance.now() - started : null,
    firstDeadMs,
    healthyAtFirstDead,
    lastSkippedMs,
    results,
  };
}

/** Runs the workload; returns the Markdown section for RESULTS.md (also logged as it goes). */
export async function runIssue24(env: Issue24Env): Promise<string> {
  const work = join(env.root, env.work, 'i24');
  mkdirSync(work, { recursive: true });
  const bigMib = env.quick ? 32 : 256;
  const big = join(work, 'big.txt');
  const one = join(work, 'one.bin');
  const sink = await startSink();
  const dead = await startNeverAnswer();
  const healthy = await startSink();
  const lines: string[] = [];
  try {
    await writeFile(big, bigMib);
    await writeFile(one, 1);
    const urls = Array.from({ length: 200 }, (_, i) => `${sink.origin}/t${i}`);
    writeFileSync(join(work, 'urls.txt'), `${urls.join('\n')}\n`);
    const fm = ['node', 'bin/fetch-many.js', '--no-progress', '--ndjson', '--timeout', '600s'];
    const spec = (peer: string, argv: string[], requests = 1, stdin?: string): CommandSpec => ({
      peer,
      argv,
      requests,
      timeoutMs: 600_000,
      check: exit0,
      ...(stdin === undefined ? {} : { stdin }),
    });
    const rows: Row[] = [
      {
        label: `fetch-many --data-binary @file, ${bigMib} MiB`,
        spec: spec('fetch-many binary', [...fm, '--data-binary', `@${big}`, sink.origin]),
        samples: [],
      },
      {
        label: `fetch-many -d @file, ${bigMib} MiB (CR/LF removed)`,
        spec: spec('fetch-many -d', [...fm, '-d', `@${big}`, sink.origin]),
        samples: [],
      },
      {
        label: `curl -T file -X POST, ${bigMib} MiB`,
        spec: spec('curl -T', ['curl', '-sS', '-o', '/dev/null', '-X', 'POST', '-T', big, sink.origin]),
        samples: [],
      },
      {
        label: '200 targets × 1 MiB, fetch-many --data-binary @file -c 50',
        spec: spec(
          'fetch-many 200×1M',
          [...fm, '-c', '50', '--data-binary', `@${one}`, '-'],
          200,
          join(env.work, 'i24', 'urls.txt'),
        ),
        samples: [],
      },
    ];
    const measureEnv = { timeBin: env.timeBin, cwd: env.root, workDir: work, statusUrl: null };
    for (let run = 0; run < env.runs; run++) {
      for (const row of rows) {
        const s = await measureOnce(row.spec, measureEnv);
        row.samples.push(s);
        env.log(
          `  i24 ${row.spec.peer.padEnd(20)} run ${run + 1}/${env.runs}  wall ${s.wallMs.toFixed(0).padStart(6)} ms  cpu ${s.cpuMs.toFixed(0).padStart(6)} ms  rss ${(s.maxRssKiB / 1024).toFixed(1).padStart(6)} MiB  ${s.check.ok ? 'ok' : `FAILED (${s.check.note ?? ''})`}\n`,
        );
      }
    }

    const deadUrls = Array.from({ length: DEAD }, (_, i) => `${dead.origin}/dead/${i}`);
    const healthyUrls = Array.from({ length: HEALTHY }, (_, i) => `${healthy.origin}/ok/${i}`);
    const alone: number[] = [];
    const behind: number[] = [];
    const firstDead: number[] = [];
    const behindDefault: number[] = [];
    const defaultAtFirstDead: number[] = [];
    const skippedWall: number[] = [];
    const lastSkipped: number[] = [];
    for (let run = 0; run < env.runs; run++) {
      const a = await healthyFinish(env, healthyUrls, [], true);
      const b = await healthyFinish(env, [...deadUrls, ...healthyUrls], [], false);
      const c = await healthyFinish(env, [...deadUrls, ...healthyUrls], ['--max-host-errors', '5'], true);
      const d = await healthyFinish(env, [...deadUrls, ...healthyUrls], [], false, []);
      behindDefault.push(d.healthyMs);
      defaultAtFirstDead.push(d.healthyAtFirstDead ?? HEALTHY);
      alone.push(a.healthyMs);
      behind.push(b.healthyMs);
      if (b.firstDeadMs !== null) firstDead.push(b.firstDeadMs);
      skippedWall.push(c.wallMs ?? Number.NaN);
      lastSkipped.push(c.lastSkippedMs ?? Number.NaN);
      env.log(
        `  i24 dead origin      run ${run + 1}/${env.runs}  healthy alone ${a.healthyMs.toFixed(0)} ms, behind the dead origin ${b.healthyMs.toFixed(0)} ms (first dead result ${b.firstDeadMs === null ? 'none yet' : `${b.firstDeadMs.toFixed(0)} ms`}), --max-host-errors 5 last skipped result ${(c.lastSkippedMs ?? Number.NaN).toFixed(0)} ms, whole run ${(c.wallMs ?? 0).toFixed(0)} ms (${c.results} results); without --per-host: healthy ${Number.isNaN(d.healthyMs) ? `not all within ${GIVE_UP_MS} ms` : `${d.healthyMs.toFixed(0)} ms`}, ${d.healthyAtFirstDead ?? HEALTHY} healthy before the first dead result\n`,
      );
    }

    const med = (row: Row, pick: (s: Sample) => number): number =>
      median(row.samples.filter((s) => s.check.ok).map(pick));
    const rss = (row: Row): number => med(row, (s) => s.maxRssKiB) / 1024;
    const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');
    // NaN: the healthy targets had not all finished when the run was given up on.
    const finishing = (ms: number[]): string => {
      const late = ms.filter((v) => Number.isNaN(v)).length;
      if (late === ms.length) return `not all within ${GIVE_UP_MS}`;
      return late === 0
        ? median(ms).toFixed(0)
        : `${median(ms).toFixed(0)} (${late} of ${ms.length} runs not within ${GIVE_UP_MS})`;
    };
    const [binary, text, curl, many] = rows as [Row, Row, Row, Row];
    lines.push(
      HEADING,
      '',
      `Loopback node:http servers that read and drop bodies; ${env.runs} run(s) each, medians of the ok runs; max RSS from GNU time.`,
      '',
      '```sh',
      ...rows.map((r) => shellLine(r.spec)),
      '```',
      '',
      '| run | ok runs | wall ms | CPU ms | max RSS MiB |',
      '| --- | --- | --- | --- | --- |',
      ...rows.map(
        (r) =>
          `| ${r.label} | ${r.samples.filter((s) => s.check.ok).length}/${r.samples.length} | ${med(r, (s) => s.wallMs).toFixed(0)} | ${med(r, (s) => s.cpuMs).toFixed(0)} | ${rss(r).toFixed(1)} |`,
      ),
      '',
      `Dead origin: ${DEAD} targets on a server that accepts and never answers, listed first, then ${HEALTHY} on a healthy one; \`-c 20 --per-host 10 --timeout ${TIMEOUT_S}s\` unless the row says no --per-host. Times from spawn to the last healthy result (NDJSON line).`,
      '',
      '| run | median ms |',
      '| --- | --- |',
      `| ${HEALTHY} healthy targets alone | ${median(alone).toFixed(0)} |`,
      `| the same behind ${DEAD} dead ones | ${median(behind).toFixed(0)} |`,
      `| first dead result (its timeout) | ${firstDead.length === 0 ? 'after the healthy ones' : median(firstDead).toFixed(0)} |`,
      `| the same behind ${DEAD} dead ones, no --per-host (default: half of -c until an origin answers) | ${finishing(behindDefault)} |`,
      `| --max-host-errors 5: the last skipped result | ${median(lastSkipped).toFixed(0)} |`,
      `| --max-host-errors 5: the whole run (requests in flight end by their own timeout) | ${median(skippedWall).toFixed(0)} |`,
      '',
      '| goal | measured | verdict |',
      '| --- | --- | --- |',
      `| ${bigMib} MiB --data-binary @file: peak RSS ≤ 80 MiB | ${rss(binary).toFixed(1)} MiB (${(rss(binary) / rss(curl)).toFixed(2)} × curl -T) | ${verdict(rss(binary) <= 80)} |`,
      `| ${bigMib} MiB -d @file: peak RSS ≤ 80 MiB | ${rss(text).toFixed(1)} MiB (${(rss(text) / rss(curl)).toFixed(2)} × curl -T) | ${verdict(rss(text) <= 80)} |`,
      `| 200 × 1 MiB file body: peak RSS ≤ 120 MiB | ${rss(many).toFixed(1)} MiB | ${verdict(rss(many) <= 120)} |`,
      `| healthy finishing time behind a dead origin ≤ 2 × alone | ${(median(behind) / median(alone)).toFixed(2)} × | ${verdict(median(behind) <= 2 * median(alone))} |`,
      `| healthy targets done before the dead origin's first timeout | ${median(behind).toFixed(0)} ms vs ${TIMEOUT_S * 1000} ms | ${verdict(median(behind) < TIMEOUT_S * 1000)} |`,
      `| the same without --per-host: healthy results before the first dead one | ${median(defaultAtFirstDead)} of ${HEALTHY} | ${verdict(median(defaultAtFirstDead) === HEALTHY)} |`,
      `| --max-host-errors 5: the dead origin's targets skipped within one timeout (last skipped ≤ 1.5 × the timeout) | ${(median(lastSkipped) / (TIMEOUT_S * 1000)).toFixed(2)} × | ${verdict(median(lastSkipped) <= 1.5 * TIMEOUT_S * 1000)} |`,
      '',
      `Load average at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores.`,
      '',
    );
    return lines.join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
    for (const s of [sink.server, healthy.server]) {
      s.closeAllConnections();
      s.close();
    }
    await dead.stop();
  }
}

/** Puts `section` into the results file: replaces an earlier one, else appends it. */
export function recordIssue24(text: string, section: string): string {
  const start = text.indexOf(HEADING);
  if (start === -1) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf('\n## ', start + HEADING.length);
  return `${text.slice(0, start)}${section}${next === -1 ? '' : text.slice(next + 1)}`;
}
