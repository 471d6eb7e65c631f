/**
 * Issue 10's workloads: HTTPS against a local nginx (1 worker, 10 TLS origins offering h2 and
 * http/1.1 in ALPN, the test CA's certificate), fetch-many against curl, interleaved runs,
 * medians of wall time, CPU (user + sys) per request and peak RSS, from /usr/bin/time.
 *
 *   npx tsx bench/https.ts [--quick] [--runs N] [--workload h1|close|h2|h2o] [--run-id ID]
 *   (also `npm run bench -- --only https`; with --workload, RESULTS.md is left as it is)
 *
 * Each workload also runs the node floor, a bare Node client doing the same requests with the same
 * concurrency and origins: bench/peers/bare-tls.mjs (node:tls, HTTP/1.1 by hand) for h1 and no
 * reuse, bench/peers/bare-h2.mjs (node:http2) for h2.
 *
 * After its runs it writes its medians to bench/.work/https/summary.json (see https-summary.ts)
 * and its section to bench/.work/https/section.md. With --run-id (how bench/run.ts runs it) the
 * id goes into summary.json and RESULTS.md is left to run.ts, which records the section itself.
 *
 * - h1 keep-alive: 10k requests over HTTP/1.1 (`--http1.1` on both sides);
 * - no reuse: 2k requests each on a new connection (`Connection: close`), HTTP/1.1 — what TLS
 *   session resumption is for;
 * - h2: 10k requests multiplexed over HTTP/2 (fetch-many's default, `curl --http2`);
 * - h2o: the same against h2o (bench/h2o.ts), when it is installed or apt-get can install it.
 *
 * The section it writes in bench/RESULTS.md (with --quick, bench/.work/RESULTS-quick.md) runs from its heading to its end marker.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { installCleanup, track } from './children.js';
import { floorNotesFor, httpsGoals } from './goals-24.js';
import {
  type HttpsFigures,
  type HttpsSummary,
  recordHttpsSection,
  SECTION_END,
  SECTION_HEADING,
  SUMMARY_VERSION,
} from './https-summary.js';
import { startTlsH2o } from './h2o.js';
import { launchNginx, type Nginx, nginxConfig } from './nginx.js';
import { freePorts } from './ports.js';
import { writeCurlConfig, writeUrlList } from './targets.js';
import { ensureH2o } from './tools.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const WORK = join(ROOT, 'bench', '.work', 'https');
const TLS = join(ROOT, 'test', 'fixtures', 'tls');
const CA = join(TLS, 'ca.pem');
/** Every body nginx serves here: `location /small` below. */
const BODY_BYTES = 1024;

interface Run {
  wall: number;
  cpu: number;
  rssKiB: number;
  exit: number;
  /** Responses per HTTP version, from fetch-many's NDJSON or curl's `%{http_version}`. */
  versions: Record<string, number>;
}

interface Command {
  workload: string;
  peer: string;
  argv: string[];
  stdin: string | null;
  stdout: string;
  requests: number;
}

async function startTlsNginx(origins: number): Promise<Nginx> {
  const dir = join(WORK, 'nginx');
  const [statusPort, ...ports] = await freePorts(origins + 1);
  if (statusPort === undefined) throw new Error('no ports');
  const servers = ports
    .map(
      (port) => `  server {
    listen 127.0.0.1:${port} ssl http2 backlog=4096;
    location /small { return 200 "${'x'.repeat(BODY_BYTES)}"; }
  }`,
    )
    .join('\n');
  const conf = nginxConfig(
    dir,
    'bench/https.ts',
    statusPort,
    `  keepalive_requests 1000000;
  keepalive_timeout 120s;
  http2_max_concurrent_streams 128;
  ssl_certificate ${join(TLS, 'server.pem')};
  ssl_certificate_key ${join(TLS, 'server-key.pem')};
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:SSL:10m;
  ssl_session_tickets on;
${servers}`,
  );
  return launchNginx(
    'nginx',
    dir,
    conf,
    statusPort,
    ports.map((p) => `https://127.0.0.1:${p}`),
  );
}

function measure(cmd: Command): Promise<Run> {
  const timeFile = join(WORK, `${cmd.workload}.${cmd.peer}.time`);
  const outFile = join(WORK, cmd.stdout);
  // Kept for a look after a failed run: the node floors say there what they counted.
  const errFd = openSync(join(WORK, `${cmd.stdout}.err`), 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%e %U %S %M', ...cmd.argv], {
      cwd: ROOT,
      stdio: [cmd.stdin === null ? 'ignore' : 'pipe', 'pipe', errFd],
    });
    closeSync(errFd);
    track(child, { group: false });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    if (cmd.stdin !== null && child.stdin !== null) child.stdin.end(readFileSync(join(WORK, cmd.stdin)));
    child.on('error', reject);
    child.on('exit', (code) => {
      const out = Buffer.concat(chunks).toString();
      writeFileSync(outFile, out);
      const [wall, user, sys, rss] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
      const versions: Record<string, number> = {};
      for (const line of out.split('\n')) {
        if (line === '') continue;
        if (line.startsWith('{')) {
          const parsed = JSON.parse(line) as { httpVersion?: string | null; versions?: Record<string, number> };
          // The node floors print one count per version at the end; fetch-many one NDJSON line per result.
          if (parsed.versions !== undefined) {
            for (const [v, n] of Object.entries(parsed.versions)) versions[v] = (versions[v] ?? 0) + n;
            continue;
          }
          const v = String(parsed.httpVersion);
          versions[v] = (versions[v] ?? 0) + 1;
        } else {
          const v = line.trim();
          versions[v] = (versions[v] ?? 0) + 1;
        }
      }
      resolve({ wall: wall!, cpu: user! + sys!, rssKiB: rss!, exit: code ?? -1, versions });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      workload: { type: 'string' },
      'run-id': { type: 'string' },
    },
  });
  const runId = values['run-id'] ?? null;
  const only = values.workload;
  const quick = values.quick ?? false;
  const runs = Number(values.runs ?? (quick ? 3 : 5));
  mkdirSync(WORK, { recursive: true });
  installCleanup();
  const nginx = await startTlsNginx(10);
  // h2o, when it is or can be installed, for the h2 workload's second server set (issue 24).
  const h2oBin = only === undefined || only === 'h2o' ? ensureH2o() : null;
  const h2o =
    h2oBin === null
      ? null
      : await startTlsH2o(
          h2oBin,
          join(WORK, 'h2o'),
          10,
          { cert: join(TLS, 'server.pem'), key: join(TLS, 'server-key.pem') },
          BODY_BYTES,
        );
  const c = 100;
  const perHost = String(c / nginx.origins.length);
  const big = quick ? 2000 : 10_000;
  const small = quick ? 1000 : 2000;
  const fm = (extra: string[]): string[] => [
    'node',
    'bin/fetch-many.js',
    '--ndjson',
    '--no-progress',
    '--cacert',
    CA,
    '-c',
    String(c),
    '--per-host',
    perHost,
    ...extra,
    '-',
  ];
  const curl = (cfg: string, extra: string[]): string[] => [
    'curl',
    '-Z',
    '--parallel-max',
    String(c),
    '--cacert',
    CA,
    ...extra,
    '-K',
    join(WORK, cfg),
    '-s',
    '--no-progress-meter',
    '-w',
    '%{http_version}\\n',
  ];
  await writeUrlList(join(WORK, 'big.urls'), nginx.origins, '/small', big);
  await writeCurlConfig(join(WORK, 'big.curl'), nginx.origins, '/small', big);
  await writeUrlList(join(WORK, 'small.urls'), nginx.origins, '/small', small);
  await writeCurlConfig(join(WORK, 'small.curl'), nginx.origins, '/small', small);
  if (h2o !== null) {
    await writeUrlList(join(WORK, 'h2o.urls'), h2o.origins, '/small', big);
    await writeCurlConfig(join(WORK, 'h2o.curl'), h2o.origins, '/small', big);
  }
  const close = ['-H', 'Connection: close'];
  const floor = (peer: 'bare-tls' | 'bare-h2', urls: string, extra: string[]): string[] => [
    'node',
    `bench/peers/${peer}.mjs`,
    join(WORK, urls),
    String(c),
    String(BODY_BYTES),
    '--ca',
    CA,
    ...extra,
  ];
  const workloads: Array<{ id: string; title: string; commands: Command[] }> = [
    {
      id: 'h1',
      title: `${big / 1000}k https, keep-alive, HTTP/1.1 both`,
      commands: [
        {
          workload: 'h1',
          peer: 'fetch-many',
          argv: fm(['--http1.1']),
          stdin: 'big.urls',
          stdout: 'h1.fm.out',
          requests: big,
        },
        {
          workload: 'h1',
          peer: 'curl',
          argv: curl('big.curl', ['--http1.1']),
          stdin: null,
          stdout: 'h1.curl.out',
          requests: big,
        },
        {
          workload: 'h1',
          peer: 'node floor',
          argv: floor('bare-tls', 'big.urls', []),
          stdin: null,
          stdout: 'h1.floor.out',
          requests: big,
        },
      ],
    },
    {
      id: 'close',
      title: `${small / 1000}k https, a new connection per request (HTTP/1.1, Connection: close)`,
      commands: [
        {
          workload: 'close',
          peer: 'fetch-many',
          argv: fm(['--http1.1', ...close]),
          stdin: 'small.urls',
          stdout: 'close.fm.out',
          requests: small,
        },
        {
          workload: 'close',
          peer: 'curl',
          argv: curl('small.curl', ['--http1.1', ...close]),
          stdin: null,
          stdout: 'close.curl.out',
          requests: small,
        },
        {
          workload: 'close',
          peer: 'node floor',
          argv: floor('bare-tls', 'small.urls', ['--close']),
          stdin: null,
          stdout: 'close.floor.out',
          requests: small,
        },
      ],
    },
    {
      id: 'h2',
      title: `${big / 1000}k https to h2 origins, multiplexed`,
      commands: [
        { workload: 'h2', peer: 'fetch-many', argv: fm([]), stdin: 'big.urls', stdout: 'h2.fm.out', requests: big },
        {
          workload: 'h2',
          peer: 'curl',
          argv: curl('big.curl', ['--http2']),
          stdin: null,
          stdout: 'h2.curl.out',
          requests: big,
        },
        {
          workload: 'h2',
          peer: 'node floor',
          argv: floor('bare-h2', 'big.urls', []),
          stdin: null,
          stdout: 'h2.floor.out',
          requests: big,
        },
      ],
    },
  ];
  if (h2o !== null) {
    workloads.push({
      id: 'h2o',
      title: `${big / 1000}k https to h2o origins, multiplexed`,
      commands: [
        { workload: 'h2o', peer: 'fetch-many', argv: fm([]), stdin: 'h2o.urls', stdout: 'h2o.fm.out', requests: big },
        {
          workload: 'h2o',
          peer: 'curl',
          argv: curl('h2o.curl', ['--http2']),
          stdin: null,
          stdout: 'h2o.curl.out',
          requests: big,
        },
        {
          workload: 'h2o',
          peer: 'node floor',
          argv: floor('bare-h2', 'h2o.urls', []),
          stdin: null,
          stdout: 'h2o.floor.out',
          requests: big,
        },
      ],
    });
  }
  const lines: string[] = [];
  lines.push(SECTION_HEADING, '');
  lines.push(
    `nginx 1 worker, 10 TLS origins (\`ssl http2\`, session tickets on), 1 KiB bodies, -c ${c} ` +
      `(fetch-many \`--per-host ${perHost}\`, curl \`-Z --parallel-max ${c}\`), ${runs} interleaved runs, ` +
      `medians; CPU = user + sys of the whole process from /usr/bin/time; load average at start ` +
      `${(await import('node:os')).loadavg()[0]!.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs. ` +
      'Rerun: `npx tsx bench/https.ts`.',
    '',
    h2o === null
      ? h2oBin === null && only !== undefined && only !== 'h2o'
        ? 'h2o: not selected.'
        : 'h2o: not installed (`apt-get install h2o` failed), its workload left out.'
      : `h2o: ${h2o.version}, 1 thread, 10 TLS origins serving \`/small\` from a ${BODY_BYTES}-byte file, 128 streams per connection, session resumption on (its default).`,
    '',
    '| workload | peer | wall (s) | CPU µs/req | peak RSS (MiB) | versions | exit |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  /** Medians per workload and peer, for the goals table. */
  const medians = new Map<string, { wall: number; cpuUs: number; rssMiB: number; allOn: string | null; ok: boolean }>();
  const figures: Record<string, Record<string, HttpsFigures>> = {};
  for (const w of workloads) {
    if (only !== undefined && w.id !== only) continue;
    const samples = new Map<string, Run[]>();
    for (let i = 0; i < runs; i++) {
      for (const cmd of w.commands) {
        const r = await measure(cmd);
        samples.set(cmd.peer, [...(samples.get(cmd.peer) ?? []), r]);
        process.stderr.write(
          `${w.id} ${cmd.peer} run ${i + 1}: ${r.wall}s cpu ${r.cpu}s rss ${(r.rssKiB / 1024).toFixed(0)} MiB ${JSON.stringify(r.versions)}\n`,
        );
      }
    }
    for (const cmd of w.commands) {
      const rs = samples.get(cmd.peer)!;
      const last = rs[rs.length - 1]!;
      const versions = Object.entries(last.versions);
      medians.set(`${w.id}/${cmd.peer}`, {
        wall: median(rs.map((r) => r.wall)),
        cpuUs: (median(rs.map((r) => r.cpu)) / cmd.requests) * 1e6,
        rssMiB: median(rs.map((r) => r.rssKiB)) / 1024,
        allOn: versions.length === 1 && versions[0]![1] === cmd.requests ? versions[0]![0] : null,
        ok: rs.every((r) => r.exit === 0),
      });
      figures[w.id] = {
        ...figures[w.id],
        [cmd.peer]: {
          wallMs: median(rs.map((r) => r.wall)) * 1000,
          cpuUsPerRequest: (median(rs.map((r) => r.cpu)) / cmd.requests) * 1e6,
          maxRssKiB: median(rs.map((r) => r.rssKiB)),
          requests: cmd.requests,
          exits: rs.map((r) => r.exit),
          versions: last.versions,
        },
      };
      lines.push(
        `| ${w.title} | ${cmd.peer} | ${median(rs.map((r) => r.wall)).toFixed(2)} | ` +
          `${Math.round((median(rs.map((r) => r.cpu)) / cmd.requests) * 1e6)} | ` +
          `${(median(rs.map((r) => r.rssKiB)) / 1024).toFixed(0)} | ` +
          `${Object.entries(last.versions)
            .map(([v, n]) => `${v}: ${n}`)
            .join(', ')} | ${rs.map((r) => r.exit).join(',')} |`,
      );
    }
  }
  await nginx.stop();
  await h2o?.stop();
  const summary: HttpsSummary = {
    version: SUMMARY_VERSION,
    runId,
    finished: new Date().toISOString(),
    runs,
    quick,
    workloads: figures,
  };
  if (only === undefined) lines.push('', ...issue10Goals(medians));
  lines.push('', ...issue24Https(summary));
  lines.push('', SECTION_END, '');
  const section = lines.join('\n');
  // The section first: a summary.json with run.ts's id then says section.md is of that run too.
  writeFileSync(join(WORK, 'section.md'), section);
  writeFileSync(join(WORK, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`${section}\n`);
  // Run by bench/run.ts (--run-id), the section is recorded by run.ts, in the file it writes.
  if (only !== undefined || runId !== null) return;
  // --quick (small N, fewer runs) never replaces the full figures: like run.ts, it writes beside them.
  const file = quick ? join(ROOT, 'bench', '.work', 'RESULTS-quick.md') : join(ROOT, 'bench', 'RESULTS.md');
  writeFileSync(file, recordHttpsSection(existsSync(file) ? readFileSync(file, 'utf8') : '', section));
}

/** Issue 24's HTTPS goals from this run, as the suite's goals table shows them, with the node floors. */
function issue24Https(summary: HttpsSummary): string[] {
  const rows = httpsGoals(summary);
  const out = [
    '### Issue 24 HTTPS goals, from the table above',
    '',
    '| workload | fetch-many | curl | goal | measured | verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.fetchMany} | ${r.curl} | ${r.goal} | ${r.measured} | ${r.met === null ? 'not measured' : r.met ? '**met**' : '**missed**'} |`,
    ),
  ];
  const notes = floorNotesFor(summary);
  if (notes.length > 0) {
    out.push(
      '',
      'The node floors (bench/peers/bare-tls.mjs: bare `node:tls`, HTTP/1.1 by hand; bench/peers/bare-h2.mjs: `node:http2`):',
      '',
      ...notes.map((n) => `- ${n}`),
    );
  }
  return out;
}

type Medians = ReadonlyMap<string, { wall: number; cpuUs: number; rssMiB: number; allOn: string | null; ok: boolean }>;

/** Issue 10's goals, met or missed, from this run's medians (the table above). */
function issue10Goals(m: Medians): string[] {
  const get = (key: string) => m.get(key);
  const verdict = (met: boolean | null): string => (met === null ? 'not measured' : met ? '**met**' : '**missed**');
  const rows: string[][] = [];
  const h2 = get('h2/fetch-many');
  const h2c = get('h2/curl');
  if (h2 !== undefined && h2c !== undefined) {
    const met = h2.ok && h2.allOn === '2' && h2.wall <= h2c.wall;
    rows.push([
      '10k https to h2 origins: wall ≤ 1.0 × `curl -Z --http2`, every request on h2',
      verdict(met),
      `${(h2.wall / h2c.wall).toFixed(2)} × (${h2.wall.toFixed(2)} s vs ${h2c.wall.toFixed(2)} s; ${Math.round(h2.cpuUs)} vs ${Math.round(h2c.cpuUs)} µs CPU/req); ${h2.allOn === '2' ? 'every request on h2' : 'NOT every request on h2'}`,
    ]);
  }
  const close = get('close/fetch-many');
  const closec = get('close/curl');
  if (close !== undefined && closec !== undefined) {
    rows.push([
      'https without reuse: CPU per request ≤ curl’s',
      verdict(close.ok && close.cpuUs <= closec.cpuUs),
      `${Math.round(close.cpuUs)} vs ${Math.round(closec.cpuUs)} µs (${(close.cpuUs / closec.cpuUs).toFixed(2)} ×)`,
    ]);
  }
  const h1 = get('h1/fetch-many');
  const h1c = get('h1/curl');
  if (h1 !== undefined && h1c !== undefined) {
    rows.push([
      '10k https keep-alive over HTTP/1.1: wall ≤ 1.0 × curl `--http1.1`',
      verdict(h1.ok && h1.wall <= h1c.wall),
      `${(h1.wall / h1c.wall).toFixed(2)} × (${h1.wall.toFixed(2)} s vs ${h1c.wall.toFixed(2)} s; ${Math.round(h1.cpuUs)} vs ${Math.round(h1c.cpuUs)} µs CPU/req)`,
    ]);
  }
  const peaks = [h1, h2].filter((x) => x !== undefined);
  if (peaks.length > 0) {
    const worst = Math.max(...peaks.map((x) => x.rssMiB));
    rows.push([
      'peak RSS at 10k ≤ 80 MiB',
      verdict(worst <= 80),
      `${h1 === undefined ? '' : `${h1.rssMiB.toFixed(0)} MiB (h1)`}${h1 !== undefined && h2 !== undefined ? ', ' : ''}${h2 === undefined ? '' : `${h2.rssMiB.toFixed(0)} MiB (h2)`}`,
    ]);
  }
  const out = [
    '### Issue 10 goals, from the table above',
    '',
    '| goal | verdict | measured |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  if (rows.some((r) => r[1] === '**missed**')) {
    out.push(
      '',
      'What bounds each goal marked missed, its profile and what was tried (kept or not) are in',
      '[PROFILE.md](PROFILE.md): "Issue 10" (our own HTTP/2 framing, and its second pass) and "Issues 13 (b) and 10"',
      '(connection setup, session resumption, the TLS read path).',
    );
  }
  return out;
}

await main();
