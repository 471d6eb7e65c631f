import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/**
 * The external programs the suite drives. Required ones are installed with apt-get when missing
 * (the machine is root and reaches Debian's mirror); wrk and hyperfine are optional: without wrk
 * there is no ceiling column, without hyperfine startup is timed with our own loop.
 */
export interface Tools {
  nginx: string;
  curl: string;
  time: string;
  wrk: string | null;
  hyperfine: string | null;
}

const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];

export function which(name: string): string | null {
  for (const dir of SEARCH_PATH) {
    if (dir === '') continue;
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

let aptUpdated = false;

function aptHasCandidate(pkg: string): boolean {
  const out = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const match = /Candidate:\s*(\S+)/.exec(out.stdout ?? '');
  return match !== null && match[1] !== '(none)';
}

function aptInstall(packages: string[]): boolean {
  if (!aptUpdated) {
    process.stderr.write('bench: apt-get update\n');
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    aptUpdated = true;
  }
  process.stderr.write(`bench: apt-get install -y ${packages.join(' ')}\n`);
  const result = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return result.status === 0;
}

function ensure(binary: string, packages: () => string[], required: boolean): string | null {
  const found = which(binary);
  if (found !== null) return found;
  const ok = aptInstall(packages());
  const after = which(binary);
  if (after === null && required) {
    throw new Error(`bench: ${binary} is required and could not be installed (apt-get ok=${ok})`);
  }
  return after;
}

export function ensureTools(): Tools {
  const nginx = ensure(
    'nginx',
    () => {
      // Debian 12 ships nginx-light as a thin package over nginx; either carries stub_status.
      if (!aptUpdated) {
        spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
        aptUpdated = true;
      }
      return [aptHasCandidate('nginx-light') ? 'nginx-light' : 'nginx'];
    },
    true,
  );
  const curl = ensure('curl', () => ['curl'], true);
  // GNU time, not the shell keyword: we need -f with %U %S %M.
  const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : ensure('time', () => ['time'], true);
  const wrk = ensure('wrk', () => ['wrk'], false);
  const hyperfine = ensure('hyperfine', () => ['hyperfine'], false);
  if (nginx === null || curl === null || time === null) throw new Error('bench: missing tools');
  return { nginx, curl, time, wrk, hyperfine };
}

/**
 * h2o, the second HTTP/2 server of bench/https.ts (issue 24: "nginx and h2o"): optional, installed
 * with apt-get like wrk; null when it cannot be, and the h2o workload is left out.
 */
export function ensureH2o(): string | null {
  return ensure('h2o', () => ['h2o'], false);
}

function firstLine(file: string, args: string[]): string {
  try {
    const out = execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]?.trim() ?? '';
  } catch (error) {
    // nginx -v writes to stderr and exits 0; wrk -v exits 1 and prints its banner anyway.
    const e = error as { stdout?: string; stderr?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
  }
}

function stderrLine(file: string, args: string[]): string {
  const out = spawnSync(file, args, { encoding: 'utf8' });
  return `${out.stdout ?? ''}${out.stderr ?? ''}`.split('\n')[0]?.trim() ?? '';
}

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  /** 1/5/15-minute load averages when the suite started: other work on the machine skews figures. */
  loadAtStart: string;
  node: string;
  curl: string;
  nginx: string;
  undici: string;
  nodeBundledUndici: string;
  wrk: string | null;
  hyperfine: string | null;
}

export function describeMachine(tools: Tools, root: string): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) cpuModel = line.split(':').slice(1).join(':').trim();
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  let memGiB = 0;
  try {
    const kb = /MemTotal:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
    if (kb !== undefined) memGiB = Math.round((Number(kb) / 1024 / 1024) * 10) / 10;
  } catch {
    // Leave 0: shown as unknown.
  }
  let undici = 'unknown';
  try {
    undici = (JSON.parse(readFileSync(`${root}/node_modules/undici/package.json`, 'utf8')) as { version: string })
      .version;
  } catch {
    // Not installed: the undici peer will fail and say so.
  }
  return {
    date: new Date().toISOString(),
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpuModel,
    memGiB,
    kernel: firstLine('uname', ['-sr']),
    loadAtStart: loadavg()
      .map((n) => n.toFixed(2))
      .join(' '),
    node: process.version,
    curl: firstLine(tools.curl, ['--version']),
    nginx: stderrLine(tools.nginx, ['-v']).replace(/^nginx version:\s*/, ''),
    undici,
    nodeBundledUndici: process.versions.undici ?? 'unknown',
    wrk: tools.wrk === null ? null : stderrLine(tools.wrk, ['-v']),
    hyperfine: tools.hyperfine === null ? null : firstLine(tools.hyperfine, ['--version']),
  };
}
