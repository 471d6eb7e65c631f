import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isInterrupted, signalChild, track } from './children.js';
import { readStats, type NginxStats } from './nginx.js';

/** One program to measure, exactly as a shell would run it: `argv < stdin > stdout`. */
export interface CommandSpec {
  /** Which program this is, as shown in the tables: `fetch-many`, `curl`, `undici`, … */
  peer: string;
  argv: string[];
  /** File fed on standard input; none means /dev/null. */
  stdin?: string;
  /** File standard output goes to. @default "/dev/null" */
  stdout?: string;
  /** Requests the command is meant to make; rps and CPU per request are computed from it. */
  requests: number;
  /** Kill the command (and count the run as failed) after this long. */
  timeoutMs: number;
  /**
   * Reads what the run left behind (its stdout file, its exit code) and says whether it did the
   * work it was meant to. `rps` overrides requests ÷ wall (wrk, which runs for a fixed time).
   */
  check?: (sample: Sample) => Check;
}

export interface Check {
  ok: boolean;
  note?: string;
  rps?: number;
  /** Requests actually made, when the program decides (wrk); otherwise the spec's `requests`. */
  requests?: number;
}

export interface Sample {
  /** Spawn to exit, measured by us with hrtime: process startup is included on purpose. */
  wallMs: number;
  /** user + sys CPU of the command and every child it waited for, from GNU time. */
  cpuMs: number;
  userMs: number;
  sysMs: number;
  /** Peak resident set of the largest process in the tree, from GNU time's %M. */
  maxRssKiB: number;
  exitCode: number | null;
  timedOut: boolean;
  /** Connections and requests nginx saw during the run (stub_status deltas), when measured. */
  accepts: number | null;
  nginxRequests: number | null;
  stderrTail: string;
  /** The machine's 1-minute load average when the run ended: the machine may be shared. */
  load1: number;
  check: Check;
}

/** Renders a spec as the one-line shell command it is equivalent to. */
export function shellLine(spec: CommandSpec): string {
  const quote = (arg: string): string => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  let line = spec.argv.map(quote).join(' ');
  if (spec.stdin !== undefined) line += ` < ${quote(spec.stdin)}`;
  line += ` > ${quote(spec.stdout ?? '/dev/null')}`;
  return line;
}

/** What a section of the benchmark (bodies, uploads and dead origins…) is run with. */
export interface SectionEnv {
  root: string;
  /** bench/.work, relative to root. */
  work: string;
  timeBin: string;
  quick: boolean;
  runs: number;
  log: (line: string) => void;
}

interface MeasureEnv {
  timeBin: string;
  cwd: string;
  workDir: string;
  /** stub_status URL, or null when the workload does not talk to nginx. */
  statusUrl: string | null;
}

async function statsOrNull(url: string | null): Promise<NginxStats | null> {
  return url === null ? null : await readStats(url);
}

/** Runs one command once under `/usr/bin/time -f "%e %U %S %M"`. */
export async function measureOnce(spec: CommandSpec, env: MeasureEnv): Promise<Sample> {
  if (isInterrupted()) throw new Error('interrupted');
  const timeFile = join(env.workDir, 'time.out');
  rmSync(timeFile, { force: true });
  const stdinFd = openSync(spec.stdin ?? '/dev/null', 'r');
  const stdoutFd = openSync(spec.stdout ?? '/dev/null', 'w');
  const before = await statsOrNull(env.statusUrl);

  const started = process.hrtime.bigint();
  // -o: time's own line goes to a file, not mixed into the command's stderr.
  const child = spawn(env.timeBin, ['-f', '%e %U %S %M', '-o', timeFile, ...spec.argv], {
    cwd: env.cwd,
    stdio: [stdinFd, stdoutFd, 'pipe'],
    // Own process group: time does not forward signals, so a timeout kills the whole group.
    detached: true,
  });
  closeSync(stdinFd);
  closeSync(stdoutFd);
  track(child, { group: true, stopSignal: 'SIGKILL' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let timedOut = false;
  const pid = child.pid;
  const killer = setTimeout(() => {
    timedOut = true;
    if (pid !== undefined) signalChild(pid, 'SIGKILL');
  }, spec.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const wallNs = process.hrtime.bigint() - started;
  clearTimeout(killer);

  const after = await statsOrNull(env.statusUrl);
  let userMs = NaN;
  let sysMs = NaN;
  let maxRssKiB = NaN;
  try {
    // On failure GNU time first writes "Command exited with non-zero status N"; ours is the last line.
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const fields = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
    userMs = (fields[1] ?? NaN) * 1000;
    sysMs = (fields[2] ?? NaN) * 1000;
    maxRssKiB = fields[3] ?? NaN;
  } catch {
    // Killed before time wrote anything: the sample stays NaN and the check fails it.
  }
  const sample: Sample = {
    wallMs: Number(wallNs) / 1e6,
    cpuMs: userMs + sysMs,
    userMs,
    sysMs,
    maxRssKiB,
    exitCode,
    timedOut,
    // Each stub_status read is itself one connection and one request; the "after" read is
    // counted in its own answer, the "before" one in the before value, so subtract one.
    accepts: before !== null && after !== null ? after.accepts - before.accepts - 1 : null,
    nginxRequests: before !== null && after !== null ? after.requests - before.requests - 1 : null,
    stderrTail: stderr,
    load1: loadavg()[0] ?? NaN,
    check: { ok: true },
  };
  sample.check = timedOut
    ? { ok: false, note: `killed after ${spec.timeoutMs} ms` }
    : spec.check !== undefined
      ? spec.check(sample)
      : { ok: exitCode === 0, ...(exitCode === 0 ? {} : { note: `exit ${String(exitCode)}` }) };
  return sample;
}

/**
 * Runs every spec `runs` times, interleaved (A B C A B C …) so that a slow minute of the
 * machine lands on every peer alike instead of on whichever ran then.
 */
export async function measureInterleaved(
  specs: CommandSpec[],
  runs: number,
  env: MeasureEnv,
  onSample?: (spec: CommandSpec, sample: Sample, run: number) => void,
): Promise<Sample[][]> {
  const samples: Sample[][] = specs.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [i, spec] of specs.entries()) {
      const sample = await measureOnce(spec, env);
      samples[i]?.push(sample);
      onSample?.(spec, sample, run);
      // Let the loopback settle (FINs of the last run's connections) before the next program.
      await sleep(200);
    }
  }
  return samples;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The per-peer summary of its samples: the median of each figure taken on its own. */
export interface Summary {
  peer: string;
  runs: number;
  okRuns: number;
  requests: number;
  wallMs: number;
  rps: number;
  cpuMs: number;
  cpuUsPerRequest: number;
  maxRssMiB: number;
  accepts: number | null;
  nginxRequests: number | null;
  /** Lowest and highest 1-minute load average seen at the end of its runs. */
  load: [number, number];
  notes: string[];
}

export function summarize(spec: CommandSpec, samples: Sample[]): Summary {
  const wallMs = median(samples.map((s) => s.wallMs));
  const rpsValues = samples.map((s) => s.check.rps ?? (spec.requests / s.wallMs) * 1000);
  const cpuMs = median(samples.map((s) => s.cpuMs));
  const accepts = samples.every((s) => s.accepts !== null) ? median(samples.map((s) => s.accepts ?? NaN)) : null;
  const nginxRequests = samples.every((s) => s.nginxRequests !== null)
    ? median(samples.map((s) => s.nginxRequests ?? NaN))
    : null;
  const notes = [...new Set(samples.flatMap((s) => (s.check.note === undefined ? [] : [s.check.note])))];
  return {
    peer: spec.peer,
    runs: samples.length,
    okRuns: samples.filter((s) => s.check.ok).length,
    requests: spec.requests,
    wallMs,
    rps: median(rpsValues),
    cpuMs,
    cpuUsPerRequest: median(samples.map((s) => (s.cpuMs * 1000) / (s.check.requests ?? spec.requests))),
    maxRssMiB: median(samples.map((s) => s.maxRssKiB)) / 1024,
    accepts,
    nginxRequests,
    load: [Math.min(...samples.map((s) => s.load1)), Math.max(...samples.map((s) => s.load1))],
    notes,
  };
}
