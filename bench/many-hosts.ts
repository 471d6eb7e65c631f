/**
 * Workload "many hosts" (issue 15): 1,000 and 10,000 distinct host names, each answered by a
 * loopback DNS server in 50 ms, fetched with `-c 100 --connect-timeout 2s` by fetch-many and by
 * `curl -Z` beside it; and a dual-stack name whose IPv6 address drops SYNs (Happy Eyeballs).
 *
 * Both programs resolve through the SYSTEM resolver configuration, so the run happens inside a
 * private network namespace (only its own loopback) and a private mount namespace in which a
 * resolv.conf naming 127.0.0.1 is bind-mounted over /etc/resolv.conf — the machine's /etc is
 * never written, and nothing leaves loopback. Needs root and unshare(1).
 *
 *   npx tsx bench/many-hosts.ts            run, print, and replace the section in bench/RESULTS.md
 *   npx tsx bench/many-hosts.ts --quick    1,000 names only, nothing written
 *   npm run bench -- --only h              the same through the suite's runner
 *
 * The script runs itself again inside the namespaces (`--inside`), where it starts the DNS and
 * HTTP servers and measures each command under GNU time (wall and peak RSS).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBlackhole } from '../test/helpers/blackhole.js';
import { startDnsServer } from '../test/helpers/dns-server.js';
import { startHttpServer } from '../test/helpers/servers.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SELF = fileURLToPath(import.meta.url);
const DNS_DELAY_MS = 50;
const CONCURRENCY = 100;
const CONNECT_TIMEOUT_S = 2;
/** The section runs from its heading to the end marker (other sections end at the next heading). */
const SECTION_HEADING = '## Many hosts (issue 15)';
const SECTION_END = '<!-- many-hosts:end -->';

/** One program's run over one list. */
export interface HostsSample {
  case: string;
  program: 'fetch-many' | 'curl';
  names: number;
  wallMs: number;
  maxRssKiB: number;
  ok: number;
  /** Median `timings.dns` (fetch-many) or `time_namelookup` (curl), ms. */
  dnsP50Ms: number | null;
  /** Error codes and counts, e.g. `timeout 3`. */
  failures: string;
  /** Runs this sample is the median of; their walls, ms. */
  runs?: number[];
}

export interface ManyHostsResult {
  samples: HostsSample[];
  /** Why nothing was measured, when so. */
  skipped?: string;
  commands: string[];
  /** 1-minute load average when the runs started and ended (other work on the machine). */
  load?: [number, number];
}

// ---- outside: set up the namespaces and run ourselves inside them -----------------------------

/** Why the namespaces cannot be made here, or null when they can. */
function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for unshare -n -m';
  for (const tool of ['unshare', 'ip', 'curl', '/usr/bin/time']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (found.status !== 0) return `${tool} is missing`;
  }
  const probe = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'true']);
  if (probe.status !== 0) return `unshare -n -m fails here: ${String(probe.stderr).trim()}`;
  return null;
}

export async function runManyHosts(options: { work: string; quick: boolean }): Promise<ManyHostsResult> {
  const reason = unavailable();
  if (reason !== null) return { samples: [], skipped: reason, commands: [] };
  const work = join(ROOT, options.work, 'many-hosts');
  mkdirSync(work, { recursive: true });
  const resolvConf = join(work, 'resolv.conf');
  writeFileSync(resolvConf, 'nameserver 127.0.0.1\n');
  const out = join(work, 'result.json');
  const names = options.quick ? '1000' : '1000,10000';
  const script = [
    'set -e',
    'ip link set lo up',
    // --propagation private: the bind mount exists in this mount namespace only.
    `mount --bind "${resolvConf}" /etc/resolv.conf`,
    `exec "${process.execPath}" --import tsx "${SELF}" --inside --names ${names} --work "${work}" --out "${out}"`,
  ].join('\n');
  const child = spawn('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', script], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(guard);
  if (code !== 0 || !existsSync(out)) {
    return { samples: [], skipped: `the run inside the namespace failed (exit ${code})`, commands: [] };
  }
  return JSON.parse(readFileSync(out, 'utf8')) as ManyHostsResult;
}

// ---- inside the namespaces ----------------------------------------------------------------------

interface Timed {
  wallMs: number;
  maxRssKiB: number;
}

/** Runs argv under GNU time with stdout to `stdoutFile`; wall from our own clock, RSS from %M. */
async function timed(argv: string[], stdoutFile: string, work: string): Promise<Timed> {
  const timeFile = join(work, 'time.out');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(stdoutFile, 'w');
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...argv], {
    cwd: ROOT,
    stdio: ['ignore', fd, 'ignore'],
  });
  const guard = setTimeout(() => child.kill('SIGKILL'), 5 * 60_000);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(guard);
  closeSync(fd);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
  return { wallMs, maxRssKiB: Number(lines.at(-1)) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

function countFailures(codes: string[]): string {
  const counts = new Map<string, number>();
  for (const c of codes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${c} ${n}`).join(', ');
}

async function fetchManyRun(name: string, urls: string[], work: string): Promise<HostsSample & { argv: string[] }> {
  const list = join(work, `${name}.urls.txt`);
  writeFileSync(list, `${urls.join('\n')}\n`);
  const argv = [
    process.execPath,
    'bin/fetch-many.js',
    '-c',
    String(CONCURRENCY),
    '--connect-timeout',
    `${CONNECT_TIMEOUT_S}s`,
    '--ndjson',
    '--no-progress',
    list,
  ];
  const stdout = join(work, `${name}.fetch-many.ndjson`);
  const t = await timed(argv, stdout, work);
  const results = readFileSync(stdout, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { ok: boolean; error: { code: string } | null; timings: { dns: number | null } });
  return {
    case: name,
    program: 'fetch-many',
    names: urls.length,
    ...t,
    ok: results.filter((r) => r.ok).length,
    dnsP50Ms: median(results.map((r) => r.timings.dns).filter((d): d is number => d !== null)),
    failures: countFailures(results.filter((r) => !r.ok).map((r) => r.error?.code ?? 'failed')),
    argv,
  };
}

async function curlRun(name: string, urls: string[], work: string): Promise<HostsSample & { argv: string[] }> {
  const cfg = join(work, `${name}.curl.cfg`);
  writeFileSync(cfg, urls.map((u) => `url = "${u}"\noutput = "/dev/null"\n`).join(''));
  const argv = [
    'curl',
    '-Z',
    '--parallel-max',
    String(CONCURRENCY),
    '--connect-timeout',
    String(CONNECT_TIMEOUT_S),
    '-s',
    '--no-progress-meter',
    '-w',
    '%{exitcode} %{http_code} %{time_namelookup}\\n',
    '-K',
    cfg,
  ];
  const stdout = join(work, `${name}.curl.txt`);
  const t = await timed(argv, stdout, work);
  const rows = readFileSync(stdout, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(' '));
  const ok = rows.filter(([exit, status]) => exit === '0' && status === '200');
  return {
    case: name,
    program: 'curl',
    names: urls.length,
    ...t,
    ok: ok.length,
    dnsP50Ms: median(ok.map((r) => Number(r[2]) * 1000)),
    failures: countFailures(rows.filter(([exit]) => exit !== '0').map(([exit]) => `exit ${exit}`)),
    argv,
  };
}

/** The DNS server, in a process of its own so that it does not share an event loop with the HTTP one. */
async function serveDns(): Promise<void> {
  const dns = await startDnsServer({
    port: 53,
    delayMs: DNS_DELAY_MS,
    fallback: (name) => (/^h\d+\.n\d+\.many\.test$/.test(name) ? { a: ['127.0.0.1'] } : undefined),
    table: { 'dual.many.test': { a: ['127.0.0.1'], aaaa: ['::1'] } },
  });
  process.stdout.write('ready\n');
  // Runs until its parent closes our stdin.
  process.stdin.resume();
  process.stdin.once('end', () => void dns.close());
}

async function startDnsProcess(): Promise<{ close(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve-dns'], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`DNS server exited (${code})`)));
  });
  return {
    close: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await new Promise((resolve) => child.once('close', resolve));
      clearTimeout(timer);
    },
  };
}

/** The run with the median wall; `ok` is the worst run's, `runs` lists every wall. */
function medianSample<T extends HostsSample>(samples: T[]): T {
  const sorted = [...samples].sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] ?? (samples[0] as T);
  return {
    ...mid,
    ok: Math.min(...samples.map((s) => s.ok)),
    failures: [...new Set(samples.map((s) => s.failures).filter((f) => f !== ''))].join('; '),
    runs: samples.map((s) => Math.round(s.wallMs)),
  };
}

async function inside(names: number[], work: string, out: string): Promise<void> {
  const dns = await startDnsProcess();
  const http = await startHttpServer();
  const hole = await startBlackhole('::1', http.port);
  const samples: HostsSample[] = [];
  const commands = new Set<string>();
  const loadAtStart = loadavg()[0] ?? 0;
  const note = (s: HostsSample & { argv: string[] }): void => {
    const { argv, ...sample } = s;
    samples.push(sample);
    commands.add(argv.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) : a.startsWith(work) ? '…' : a)).join(' '));
    process.stderr.write(
      `  ${sample.case.padEnd(10)} ${sample.program.padEnd(10)} wall ${sample.wallMs.toFixed(0).padStart(6)} ms  ok ${sample.ok}/${sample.names}  dns p50 ${sample.dnsP50Ms?.toFixed(1) ?? '-'} ms  rss ${(sample.maxRssKiB / 1024).toFixed(1)} MiB  ${sample.failures}\n`,
    );
  };
  try {
    {
      // The fixed cost of each program (process start, one request to an IP literal): what the
      // other cases pay once on top of their work.
      const url = [`http://127.0.0.1:${http.port}/ok`];
      const curl: Array<HostsSample & { argv: string[] }> = [];
      const ours: Array<HostsSample & { argv: string[] }> = [];
      for (let run = 0; run < 3; run++) {
        curl.push(await curlRun('one URL', url, work));
        ours.push(await fetchManyRun('one URL', url, work));
      }
      note(medianSample(curl));
      note(medianSample(ours));
    }
    for (const n of names) {
      // Short cases run 3 times, interleaved (the median is reported): one run is at the mercy
      // of whatever else the machine does. Every run of each program gets names of its own, so
      // no cache anywhere can answer for another.
      const runs = n <= 1000 ? 3 : 1;
      const list = (run: number, suffix: number): string[] =>
        Array.from({ length: n }, (_, i) => `http://h${i}.n${n * 100 + run * 10 + suffix}.many.test:${http.port}/ok`);
      const curl: Array<HostsSample & { argv: string[] }> = [];
      const ours: Array<HostsSample & { argv: string[] }> = [];
      for (let run = 0; run < runs; run++) {
        curl.push(await curlRun(`${n} names`, list(run, 1), work));
        ours.push(await fetchManyRun(`${n} names`, list(run, 2), work));
      }
      note(medianSample(curl));
      note(medianSample(ours));
    }
    if (hole !== null) {
      const url = [`http://dual.many.test:${http.port}/ok`];
      const curl: Array<HostsSample & { argv: string[] }> = [];
      const ours: Array<HostsSample & { argv: string[] }> = [];
      for (let run = 0; run < 3; run++) {
        curl.push(await curlRun('dual-stack', url, work));
        ours.push(await fetchManyRun('dual-stack', url, work));
      }
      note(medianSample(curl));
      note(medianSample(ours));
    } else {
      process.stderr.write('  dual-stack: no loopback blackhole on this kernel; not measured\n');
    }
  } finally {
    await hole?.close();
    await http.close();
    await dns.close();
  }
  const result: ManyHostsResult = { samples, commands: [...commands], load: [loadAtStart, loadavg()[0] ?? 0] };
  writeFileSync(out, JSON.stringify(result, null, 2));
}

// ---- the report ---------------------------------------------------------------------------------

const mib = (kib: number): string => (kib / 1024).toFixed(1);

/** The RESULTS.md section: a table per case and the goals of issue 15. */
export function renderManyHosts(result: ManyHostsResult): string {
  const lines = [SECTION_HEADING, ''];
  if (result.skipped !== undefined) {
    lines.push(`Not measured: ${result.skipped}.`, '', SECTION_END, '');
    return lines.join('\n');
  }
  lines.push(
    `Distinct names, each answered in ${DNS_DELAY_MS} ms by a DNS server on 127.0.0.1:53 (A only; AAAA`,
    'is NODATA), one HTTP server; `-c 100 --connect-timeout 2s`; both programs resolve through the',
    'system configuration (resolv.conf bind-mounted in a private mount + network namespace). The',
    'one-URL (an IP literal: the fixed cost), 1,000-name and dual-stack cases run 3 times, interleaved: the run with the median wall is shown',
    '("runs": every wall; "ok": the worst run); 10,000 names run once. "dns p50" is fetch-many\'s',
    "`timings.dns` and curl's `time_namelookup`.",
    ...(result.load === undefined
      ? []
      : [
          '',
          `Load average (1 min) ${result.load[0].toFixed(1)} at the start, ${result.load[1].toFixed(1)} at the end, on ${cpus().length} CPUs.`,
        ]),
    '',
    '| case | program | wall ms | runs | vs curl | ok | dns p50 ms | peak RSS MiB | failures |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const s of result.samples) {
    const curl = result.samples.find((c) => c.case === s.case && c.program === 'curl');
    const ratio = curl === undefined || s.program === 'curl' ? '' : `${(s.wallMs / curl.wallMs).toFixed(2)}×`;
    lines.push(
      `| ${s.case} | ${s.program} | ${s.wallMs.toFixed(0)} | ${s.runs?.join(', ') ?? ''} | ${ratio} | ${s.ok}/${s.names} | ${s.dnsP50Ms?.toFixed(1) ?? '–'} | ${mib(s.maxRssKiB)} | ${s.failures || '–'} |`,
    );
  }
  lines.push('', 'Goals:', '');
  const get = (c: string, p: string): HostsSample | undefined =>
    result.samples.find((s) => s.case === c && s.program === p);
  const goal = (ok: boolean, text: string): void => {
    lines.push(`- ${ok ? 'PASS' : 'MISS'} — ${text}`);
  };
  const f1 = get('1000 names', 'fetch-many');
  const c1 = get('1000 names', 'curl');
  if (f1 !== undefined && c1 !== undefined) {
    goal(f1.ok === 1000, `1,000 names: ${f1.ok}/1000 ok`);
    goal(f1.wallMs <= c1.wallMs, `1,000 names: wall ${f1.wallMs.toFixed(0)} ms ≤ curl's ${c1.wallMs.toFixed(0)} ms`);
    const f0 = get('one URL', 'fetch-many');
    const c0 = get('one URL', 'curl');
    if (f1.wallMs > c1.wallMs && f0 !== undefined && c0 !== undefined) {
      const ours = f1.wallMs - f0.wallMs;
      const theirs = c1.wallMs - c0.wallMs;
      lines.push(
        `  What bounds it: process start. A one-URL run costs fetch-many ${f0.wallMs.toFixed(0)} ms and curl ${c0.wallMs.toFixed(0)} ms;`,
        `  beyond that, the 1,000 names took fetch-many ${ours.toFixed(0)} ms and curl ${theirs.toFixed(0)} ms (${(ours / theirs).toFixed(2)}×).`,
      );
    }
    goal((f1.dnsP50Ms ?? Infinity) < 150, `1,000 names: timings.dns p50 ${f1.dnsP50Ms?.toFixed(1)} ms < 150 ms`);
  }
  const f10 = get('10000 names', 'fetch-many');
  const c10 = get('10000 names', 'curl');
  if (f10 !== undefined && c10 !== undefined) {
    goal(
      f10.wallMs <= c10.wallMs,
      `10,000 names: wall ${f10.wallMs.toFixed(0)} ms ≤ curl's ${c10.wallMs.toFixed(0)} ms (${f10.ok}/10000 ok)`,
    );
    goal(f10.maxRssKiB <= 100 * 1024, `10,000 names: peak RSS ${mib(f10.maxRssKiB)} MiB ≤ 100 MiB`);
    if (f10.maxRssKiB > 100 * 1024) lines.push(RSS_NOTE);
  }
  const fd = get('dual-stack', 'fetch-many');
  if (fd !== undefined) {
    goal(
      fd.ok === 1 && fd.wallMs < 1000,
      `dual-stack (IPv6 drops SYNs): ok=${fd.ok === 1}, wall ${fd.wallMs.toFixed(0)} ms < 1 s`,
    );
  }
  lines.push(
    '',
    'Commands (`…` is the generated list or config):',
    '',
    '```sh',
    ...result.commands,
    '```',
    '',
    SECTION_END,
    '',
  );
  return lines.join('\n');
}

/**
 * What bounds the 10,000-name RSS, measured while building this workload (issue 15, one run each,
 * machine load ~14 on 2 cores): not name resolution.
 */
const RSS_NOTE = [
  '',
  '  What bounds it (measured with `process.memoryUsage()` sampled every 20 ms and a heap snapshot,',
  '  same workload): the live heap at the peak is ~10 MiB (the snapshot, 10,000 cached answers',
  '  included); `heapUsed` 30–40 MiB is garbage from 10,000 connections to 10,000 origins (a pool,',
  '  a connection, a parser and a socket each) that lives long enough to be promoted and waits for',
  "  a major GC; node's own floor is ~45–50 MiB (a one-target run peaks at 49.7 MiB). The same 10,000",
  '  names answered from a bind-mounted hosts file (no DNS query at all) peaked at 114.8 MiB against',
  '  117.3 MiB through DNS in the same session: resolution adds ~3 MiB. `--max-semi-space-size=2`',
  '  brought a run to 93 MiB; the CLI sets no V8 flags.',
].join('\n');

/** Replaces the many-hosts section of `file` (or appends it). */
export function writeSection(file: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const start = text.indexOf(SECTION_HEADING);
  const end = start === -1 ? -1 : text.indexOf(SECTION_END, start);
  const next =
    start !== -1 && end !== -1
      ? text.slice(0, start) + section.trimEnd() + text.slice(end + SECTION_END.length)
      : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
}

// ---- entry --------------------------------------------------------------------------------------

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({
    options: {
      inside: { type: 'boolean', default: false },
      'serve-dns': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      names: { type: 'string' },
      work: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (values['serve-dns']) await serveDns();
  else if (values.inside) {
    const names = (values.names ?? '1000').split(',').map(Number);
    await inside(names, values.work ?? join(ROOT, 'bench/.work/many-hosts'), values.out ?? 'result.json');
  } else {
    const result = await runManyHosts({ work: 'bench/.work', quick: values.quick });
    const section = renderManyHosts(result);
    process.stdout.write(`\n${section}`);
    if (!values.quick && result.skipped === undefined) writeSection(join(ROOT, 'bench', 'RESULTS.md'), section);
  }
}
