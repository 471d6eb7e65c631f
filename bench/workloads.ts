import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Check, CommandSpec, Sample } from './measure.js';
import { BIG_BODY_BYTES, SMALL_BODY_BYTES } from './nginx.js';
import { writeCurlConfig, writeUrlList } from './targets.js';
import type { Tools } from './tools.js';

/** What a workload needs to know to write its target files and build its commands. */
export interface WorkloadEnv {
  /** Repository root, absolute: the working directory of every command. */
  root: string;
  /** `bench/.work`, relative to root, so the commands printed in RESULTS.md are rerunnable. */
  work: string;
  tools: Tools;
  quick: boolean;
  /** False until the CLI is built: the fetch-many commands are then left out. */
  haveFetchMany: boolean;
  /** `http://127.0.0.1:PORT` of the ten nginx load servers. */
  origins: string[];
  /** Origin of the server that accepts and never answers. */
  neverAnswer: string | null;
}

export interface Workload {
  /** Selection key for `--only`: a…g. */
  group: string;
  /** Unique id inside the group's results, e.g. `d100`. */
  id: string;
  title: string;
  concurrency: number;
  requests: number;
  needs: 'nginx' | 'never-answer' | 'nothing';
  /** Writes the workload's files and returns the commands to measure, peers interleaved. */
  prepare(env: WorkloadEnv): Promise<CommandSpec[]>;
}

/** The CLI under test, in the form the brief fixes: targets on stdin, one JSON line per result. */
function fetchMany(concurrency: number, perHost: number, extra: string[] = []): string[] {
  return [
    'node',
    'bin/fetch-many.js',
    '--ndjson',
    '--no-progress',
    '-c',
    String(concurrency),
    '--per-host',
    String(perHost),
    ...extra,
    '-',
  ];
}

/** Checks a run that should have succeeded: exit 0 and nginx saw exactly the requests asked for. */
function servedAll(requests: number): (sample: Sample) => Check {
  return (sample) => {
    const problems: string[] = [];
    if (sample.exitCode !== 0) problems.push(`exit ${String(sample.exitCode)}`);
    if (sample.nginxRequests !== null && sample.nginxRequests !== requests) {
      problems.push(`nginx saw ${sample.nginxRequests}/${requests} requests`);
    }
    return problems.length === 0 ? { ok: true } : { ok: false, note: problems.join(', ') };
  };
}

/** For the Node peers: also compare the body bytes they counted with what nginx must have sent. */
function servedAllWithBytes(requests: number, bytes: number): (sample: Sample) => Check {
  const base = servedAll(requests);
  return (sample) => {
    const check = base(sample);
    const line = sample.stderrTail.trim().split('\n').pop() ?? '';
    let counted: number | null = null;
    try {
      counted = (JSON.parse(line) as { bytes: number }).bytes;
    } catch {
      // No summary line: the peer crashed; exit code already says so.
    }
    if (counted === bytes) return check;
    const note = `counted ${String(counted)}/${bytes} bytes`;
    return { ok: false, note: check.note === undefined ? note : `${check.note}, ${note}` };
  };
}

/** wrk runs for a fixed time; its rps is read from its own report. */
function wrkCheck(sample: Sample, outFile: string): Check {
  let text = '';
  try {
    text = readFileSync(outFile, 'utf8');
  } catch {
    return { ok: false, note: 'no wrk output' };
  }
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text)?.[1];
  if (rps === undefined || sample.exitCode !== 0) return { ok: false, note: `wrk exit ${String(sample.exitCode)}` };
  const errors = /Socket errors:[^\n]*|Non-2xx or 3xx responses:[^\n]*/.exec(text)?.[0];
  const requests = Number(/(\d+) requests in/.exec(text)?.[1] ?? NaN);
  return {
    ok: errors === undefined,
    rps: Number(rps),
    requests,
    ...(errors === undefined ? {} : { note: errors.trim() }),
  };
}

interface PeerSetOptions {
  /** Path under the origins, without the query. */
  path: string;
  bodyBytes: number;
  close: boolean;
}

/** Workloads a, b, c: the same targets, the same concurrency, five programs. */
function peerSet(group: string, title: string, options: PeerSetOptions, quick: boolean): Workload {
  const requests = quick ? 2000 : 10_000;
  const concurrency = 100;
  return {
    group,
    id: group,
    title,
    concurrency,
    requests,
    needs: 'nginx',
    async prepare(env) {
      const urls = join(env.work, `${group}.urls.txt`);
      const cfg = join(env.work, `${group}.curl.cfg`);
      await writeUrlList(join(env.root, urls), env.origins, options.path, requests);
      await writeCurlConfig(join(env.root, cfg), env.origins, options.path, requests);
      const perHost = Math.ceil(concurrency / env.origins.length);
      const closeHeader = options.close ? ['-H', 'Connection: close'] : [];
      const closeFlag = options.close ? ['--close'] : [];
      const timeoutMs = 180_000;
      const specs: CommandSpec[] = [];
      if (env.haveFetchMany) {
        specs.push({
          peer: 'fetch-many',
          argv: fetchMany(concurrency, perHost, closeHeader),
          stdin: urls,
          requests,
          timeoutMs,
          check: servedAll(requests),
        });
      }
      specs.push(
        {
          peer: 'curl',
          // --no-progress-meter: curl 7.88 draws its parallel progress meter on stderr even with -s.
          argv: [
            'curl',
            '-Z',
            '--parallel-max',
            String(concurrency),
            ...closeHeader,
            '-K',
            cfg,
            '-s',
            '--no-progress-meter',
          ],
          requests,
          timeoutMs,
          check: servedAll(requests),
        },
        {
          peer: 'undici',
          argv: ['node', 'bench/peers/undici.mjs', urls, String(concurrency), ...closeFlag],
          requests,
          timeoutMs,
          check: servedAllWithBytes(requests, requests * options.bodyBytes),
        },
        {
          peer: 'fetch',
          argv: ['node', 'bench/peers/fetch.mjs', urls, String(concurrency), ...closeFlag],
          requests,
          timeoutMs,
          check: servedAllWithBytes(requests, requests * options.bodyBytes),
        },
        {
          peer: 'node floor',
          argv: ['node', 'bench/peers/bare-net.mjs', urls, String(concurrency), ...closeFlag],
          requests,
          timeoutMs,
          check: servedAllWithBytes(requests, requests * options.bodyBytes),
        },
      );
      if (env.tools.wrk !== null) {
        const out = join(env.work, `${group}.wrk.txt`);
        specs.push({
          peer: 'wrk (ceiling)',
          argv: [
            'wrk',
            '-c',
            String(concurrency),
            '-t',
            '1',
            '-d',
            quick ? '1s' : '3s',
            ...closeHeader,
            `${env.origins[0] ?? ''}${options.path}`,
          ],
          stdout: out,
          requests: NaN,
          timeoutMs: 30_000,
          check: (sample) => wrkCheck(sample, join(env.root, out)),
        });
      }
      return specs;
    },
  };
}

/** Reads fetch-many's ndjson and checks that each of `requests` targets ended in `timeout`. */
function allTimedOut(file: string, requests: number): (sample: Sample) => Check {
  return (sample) => {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch {
      return { ok: false, note: 'no ndjson output' };
    }
    const codes = new Map<string, number>();
    for (const line of lines) {
      let code = 'unparsable';
      try {
        const result = JSON.parse(line) as { error?: { code?: string } | null };
        code = result.error?.code ?? 'none';
      } catch {
        // Counted as unparsable below.
      }
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const timeouts = codes.get('timeout') ?? 0;
    // Every target failed, so the documented exit status is 1.
    const ok = lines.length === requests && timeouts === requests && sample.exitCode === 1;
    const summary = [...codes].map(([code, n]) => `${code}:${n}`).join(' ');
    return { ok, note: `${lines.length}/${requests} lines, ${summary}, exit ${String(sample.exitCode)}` };
  };
}

/** curl writes its own exit code per transfer with `-w '%{exitcode}\n'`; 28 is "operation timed out". */
function curlAllTimedOut(file: string, requests: number): (sample: Sample) => Check {
  return () => {
    let lines: string[] = [];
    try {
      lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    } catch {
      return { ok: false, note: 'no curl output' };
    }
    const timeouts = lines.filter((l) => l.trim() === '28').length;
    return { ok: timeouts === requests, note: `${timeouts}/${requests} exit 28` };
  };
}

function neverAnswering(concurrency: number, quick: boolean): Workload {
  const requests = quick ? 300 : 1000;
  const id = `d${concurrency}`;
  return {
    group: 'd',
    id,
    title: `(d) ${requests} targets that never answer, --timeout 1s, C=${concurrency}`,
    concurrency,
    requests,
    needs: 'never-answer',
    async prepare(env) {
      if (env.neverAnswer === null) throw new Error('never-answer server not started');
      const origins = [env.neverAnswer];
      const urls = join(env.work, `${id}.urls.txt`);
      const cfg = join(env.work, `${id}.curl.cfg`);
      await writeUrlList(join(env.root, urls), origins, '/hang', requests);
      await writeCurlConfig(join(env.root, cfg), origins, '/hang', requests);
      const specs: CommandSpec[] = [];
      if (env.haveFetchMany) {
        const out = join(env.work, `${id}.fetch-many.ndjson`);
        specs.push({
          peer: 'fetch-many',
          // One origin, so per-host must allow all C connections to it.
          argv: fetchMany(concurrency, concurrency, ['--timeout', '1s']),
          stdin: urls,
          stdout: out,
          requests,
          timeoutMs: 60_000,
          check: allTimedOut(join(env.root, out), requests),
        });
      }
      const out = join(env.work, `${id}.curl.txt`);
      specs.push({
        peer: 'curl',
        // curl 7.88 never runs more than 300 transfers at once, whatever --parallel-max says
        // (its progress meter shows Live ≤ 300), so at C=1000 it works in waves of 300.
        argv: [
          'curl',
          '-Z',
          '--parallel-max',
          String(concurrency),
          '-m',
          '1',
          '-K',
          cfg,
          '-s',
          '--no-progress-meter',
          '-w',
          '%{exitcode}\\n',
        ],
        stdout: out,
        requests,
        timeoutMs: 60_000,
        check: curlAllTimedOut(join(env.root, out), requests),
      });
      return specs;
    },
  };
}

function streamed(quick: boolean): Workload {
  const small = quick ? 10_000 : 100_000;
  const large = quick ? 100_000 : 1_000_000;
  const label = (n: number): string => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
  return {
    group: 'e',
    id: 'e',
    title: `(e) ${label(small)} and ${label(large)} targets streamed from stdin, --ndjson > /dev/null, C=100`,
    concurrency: 100,
    requests: large,
    needs: 'nginx',
    async prepare(env) {
      if (!env.haveFetchMany) return [];
      const specs: CommandSpec[] = [];
      for (const n of [small, large]) {
        const urls = join(env.work, `e${label(n)}.urls.txt`);
        await writeUrlList(join(env.root, urls), env.origins, '/small', n);
        specs.push({
          peer: `fetch-many ${label(n)}`,
          argv: fetchMany(100, Math.ceil(100 / env.origins.length)),
          stdin: urls,
          requests: n,
          // Bounded: even at 2,000 requests/s the million finishes in well under ten minutes.
          timeoutMs: 600_000,
          check: servedAll(n),
        });
      }
      return specs;
    },
  };
}

function tableVsNdjson(quick: boolean): Workload {
  const requests = quick ? 2000 : 10_000;
  return {
    group: 'g',
    id: 'g',
    title: `(g) ${requests} rows: table mode (stdout to a file, --no-color) vs --ndjson, C=100`,
    concurrency: 100,
    requests,
    needs: 'nginx',
    async prepare(env) {
      if (!env.haveFetchMany) return [];
      const urls = join(env.work, 'g.urls.txt');
      await writeUrlList(join(env.root, urls), env.origins, '/small', requests);
      const perHost = Math.ceil(100 / env.origins.length);
      const tableOut = join(env.work, 'g.table.txt');
      const ndjsonOut = join(env.work, 'g.ndjson');
      const lineCount = (file: string): number =>
        readFileSync(join(env.root, file), 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '').length;
      return [
        {
          peer: 'fetch-many table',
          argv: [
            'node',
            'bin/fetch-many.js',
            '--no-progress',
            '--no-color',
            '-c',
            '100',
            '--per-host',
            String(perHost),
            '-',
          ],
          stdin: urls,
          stdout: tableOut,
          requests,
          timeoutMs: 180_000,
          check: (sample) => {
            const base = servedAll(requests)(sample);
            // A table has a row per target plus borders/summary: at least `requests` lines.
            const lines = lineCount(tableOut);
            return lines >= requests ? base : { ok: false, note: `table has ${lines} lines < ${requests}` };
          },
        },
        {
          peer: 'fetch-many ndjson',
          argv: fetchMany(100, perHost),
          stdin: urls,
          stdout: ndjsonOut,
          requests,
          timeoutMs: 180_000,
          check: (sample) => {
            const base = servedAll(requests)(sample);
            const lines = lineCount(ndjsonOut);
            return lines === requests ? base : { ok: false, note: `ndjson has ${lines} lines != ${requests}` };
          },
        },
      ];
    },
  };
}

/**
 * Workload (p), issue 13: 100,000 keep-alive requests, curl -Z against fetch-many without and
 * with `--pipeline 8`. The pipelined run keeps the same 100 connections (10 per origin) but
 * lets each carry 8 requests at once, so its `-c` (requests in flight) is 800.
 */
function keepAlive100k(quick: boolean): Workload {
  const requests = quick ? 20_000 : 100_000;
  const label = `${requests / 1000}k`;
  return {
    group: 'p',
    id: 'p',
    title: `(p) ${label} distinct /small URLs over 10 origins, keep-alive, 100 connections; --pipeline 8`,
    concurrency: 100,
    requests,
    needs: 'nginx',
    async prepare(env) {
      const urls = join(env.work, 'p.urls.txt');
      const cfg = join(env.work, 'p.curl.cfg');
      await writeUrlList(join(env.root, urls), env.origins, '/small', requests);
      await writeCurlConfig(join(env.root, cfg), env.origins, '/small', requests);
      const perHost = Math.ceil(100 / env.origins.length);
      const specs: CommandSpec[] = [];
      if (env.haveFetchMany) {
        specs.push(
          {
            peer: 'fetch-many',
            argv: fetchMany(100, perHost),
            stdin: urls,
            requests,
            timeoutMs: 300_000,
            check: servedAll(requests),
          },
          {
            peer: 'fetch-many --pipeline 8',
            argv: fetchMany(800, perHost, ['--pipeline', '8']),
            stdin: urls,
            requests,
            timeoutMs: 300_000,
            check: servedAll(requests),
          },
        );
      }
      specs.push({
        peer: 'curl',
        argv: ['curl', '-Z', '--parallel-max', '100', '-K', cfg, '-s', '--no-progress-meter'],
        requests,
        timeoutMs: 300_000,
        check: servedAll(requests),
      });
      specs.push({
        peer: 'node floor',
        argv: ['node', 'bench/peers/bare-net.mjs', urls, '100'],
        requests,
        timeoutMs: 300_000,
        check: servedAll(requests),
      });
      return specs;
    },
  };
}

/** Workload (f) has no targets: it is timed by startup.ts, listed here so --only knows it. */
function startupPlaceholder(): Workload {
  return {
    group: 'f',
    id: 'f',
    title: '(f) startup: fetch-many --version vs node -e 0',
    concurrency: 1,
    requests: 1,
    needs: 'nothing',
    prepare: () => Promise.resolve([]),
  };
}

export function allWorkloads(quick: boolean): Workload[] {
  return [
    peerSet(
      'a',
      `(a) ${quick ? 2000 : 10_000} distinct /small (1 KiB) URLs over 10 origins, keep-alive, C=100`,
      { path: '/small', bodyBytes: SMALL_BODY_BYTES, close: false },
      quick,
    ),
    peerSet(
      'b',
      `(b) as (a), every request Connection: close`,
      { path: '/small', bodyBytes: SMALL_BODY_BYTES, close: true },
      quick,
    ),
    peerSet(
      'c',
      `(c) ${quick ? 2000 : 10_000} × /big (64 KiB) over 10 origins, keep-alive, C=100`,
      { path: '/big', bodyBytes: BIG_BODY_BYTES, close: false },
      quick,
    ),
    neverAnswering(100, quick),
    neverAnswering(1000, quick),
    streamed(quick),
    startupPlaceholder(),
    tableVsNdjson(quick),
    keepAlive100k(quick),
  ];
}
