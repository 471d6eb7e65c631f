import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild, track } from './children.js';
import { freePorts } from './ports.js';

/** Exactly 1 KiB of body for `/small`: letters and digits only, so nginx's `return` needs no escaping. */
export const SMALL_BODY_BYTES = 1024;
/** The static file behind `/big`. */
export const BIG_BODY_BYTES = 64 * 1024;

export interface Nginx {
  /** `http://127.0.0.1:PORT` for each of the load servers. */
  origins: string[];
  statusUrl: string;
  configPath: string;
  /** The command line nginx was started with, for RESULTS.md. */
  command: string[];
  pid: number;
  stop(): Promise<void>;
}

/** nginx's counters from stub_status. */
export interface NginxStats {
  accepts: number;
  handled: number;
  requests: number;
}

function smallBody(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; out.length < SMALL_BODY_BYTES; i++) out += alphabet[i % alphabet.length];
  return out;
}

function config(dir: string, ports: number[], statusPort: number): string {
  const servers = ports
    .map(
      (port) => `  server {
    listen 127.0.0.1:${port} backlog=4096;
    location /small { return 200 "${smallBody()}"; }
    location /big { root ${join(dir, 'www')}; }
  }`,
    )
    .join('\n');
  return nginxConfig(
    dir,
    'bench/nginx.ts',
    statusPort,
    `  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  # Keep-alive must never be the server's limit: every client may reuse a connection for the
  # whole run, so "connections accepted" measures the client, not nginx.
  keepalive_requests 1000000;
  keepalive_timeout 120s;
${servers}`,
  );
}

/**
 * The nginx.conf every benchmark nginx shares: one worker, every file under `dir` (nothing under
 * /etc/nginx or /var), room for many connections, no access log, and a stub_status server on
 * `statusPort`; `http` holds the caller's own directives and servers.
 */
export function nginxConfig(dir: string, writer: string, statusPort: number, http: string): string {
  return `# Written by ${writer} for one benchmark run; not a production config.
worker_processes 1;
daemon off;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
# Workload (b) opens 10,000 connections per run and (d) keeps many open; leave room.
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'tmp', 'client_body')};
  proxy_temp_path ${join(dir, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'tmp', 'scgi')};
${http}
  server {
    listen 127.0.0.1:${statusPort};
    location /status { stub_status; }
  }
}
`;
}

/** One raw HTTP/1.1 GET with Connection: close; enough for stub_status and the readiness probe. */
async function rawGet(port: number, path: string, timeoutMs: number): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error(`GET ${path} on ${port}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('connect', () => socket.end(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
  });
}

export async function readStats(statusUrl: string): Promise<NginxStats> {
  const url = new URL(statusUrl);
  const text = await rawGet(Number(url.port), url.pathname, 5000);
  // stub_status body: "Active connections: N \nserver accepts handled requests\n A H R \n..."
  const match = /server accepts handled requests\s+(\d+)\s+(\d+)\s+(\d+)/.exec(text);
  if (match === null) throw new Error(`unexpected stub_status answer: ${text.slice(0, 200)}`);
  return { accepts: Number(match[1]), handled: Number(match[2]), requests: Number(match[3]) };
}

export async function startNginx(nginxBin: string, workDir: string, originCount = 10): Promise<Nginx> {
  const dir = join(workDir, 'nginx');
  mkdirSync(join(dir, 'www'), { recursive: true });
  const big = Buffer.alloc(BIG_BODY_BYTES);
  for (let i = 0; i < big.length; i++) big[i] = 97 + (i % 26);
  writeFileSync(join(dir, 'www', 'big'), big);

  const [statusPort, ...ports] = await freePorts(originCount + 1);
  if (statusPort === undefined) throw new Error('no ports');
  return launchNginx(
    nginxBin,
    dir,
    config(dir, ports, statusPort),
    statusPort,
    ports.map((port) => `http://127.0.0.1:${port}`),
  );
}

/**
 * Writes `conf` (see {@link nginxConfig}) under `dir`, starts nginx on it and waits until its
 * stub_status on `statusPort` answers. The one place a benchmark starts and stops nginx.
 */
export async function launchNginx(
  nginxBin: string,
  dir: string,
  conf: string,
  statusPort: number,
  origins: string[],
): Promise<Nginx> {
  for (const sub of ['tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, conf);

  // -e: nginx opens its default error log before reading the config; point it into .work too.
  // -p: the prefix, so nothing is looked up under /etc/nginx or /var.
  const args = ['-p', dir, '-c', configPath, '-e', join(dir, 'error.log')];
  const child: ChildProcess = spawn(nginxBin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // SIGQUIT is nginx's graceful stop; SIGTERM its fast stop. Fast is what we want at the end.
  track(child, { group: false, stopSignal: 'SIGTERM' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('nginx did not start');
  let exited = false;
  child.once('exit', () => (exited = true));

  const statusUrl = `http://127.0.0.1:${statusPort}/status`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      throw new Error(`nginx exited at start:\n${stderr}\n${log.slice(-2000)}`);
    }
    try {
      await readStats(statusUrl);
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`nginx not ready in 10 s: ${String(error)}`);
      await sleep(50);
    }
  }

  return {
    origins,
    statusUrl,
    configPath,
    command: [nginxBin, ...args],
    pid,
    stop: () => stopChild(child),
  };
}
