import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild, track } from './children.js';
import { freePorts } from './ports.js';

/**
 * h2o as a second HTTP/2 server for bench/https.ts (issue 24 asks for "nginx and h2o"): one
 * thread, `count` TLS origins on 127.0.0.1 serving `/small` from a file of `bodyBytes`, every file
 * under `dir`. Like the TLS nginx: 128 streams per connection, TLS 1.2 and 1.3, session resumption
 * (h2o's default: cache and tickets), no access log, OCSP stapling off (nothing to fetch here).
 */
export interface H2o {
  /** `https://127.0.0.1:PORT` for each origin. */
  origins: string[];
  /** The command line h2o was started with, for the results. */
  command: string[];
  version: string;
  stop(): Promise<void>;
}

function config(dir: string, ports: number[], cert: string, key: string): string {
  const hosts = ports
    .map(
      (port) => `  "127.0.0.1:${port}":
    listen:
      host: 127.0.0.1
      port: ${port}
      ssl:
        certificate-file: ${cert}
        key-file: ${key}
        minimum-version: TLSv1.2
        ocsp-update-interval: 0
    paths:
      /small:
        file.file: ${join(dir, 'www', 'small')}`,
    )
    .join('\n');
  // Started as root, h2o switches to `nobody` unless told otherwise; nobody may not read .work.
  const user = process.getuid?.() === 0 ? 'user: root\n' : '';
  return `# Written by bench/h2o.ts for one benchmark run; not a production config.
num-threads: 1
${user}pid-file: ${join(dir, 'h2o.pid')}
error-log: ${join(dir, 'error.log')}
http2-max-concurrent-requests-per-connection: 128
hosts:
${hosts}
`;
}

/** Resolves once something accepts on 127.0.0.1:port, rejects on refusal. */
function probe(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

export async function startTlsH2o(
  h2oBin: string,
  dir: string,
  count: number,
  tls: { cert: string; key: string },
  bodyBytes: number,
): Promise<H2o> {
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www', 'small'), 'x'.repeat(bodyBytes));
  const ports = await freePorts(count);
  const configPath = join(dir, 'h2o.conf');
  writeFileSync(configPath, config(dir, ports, tls.cert, tls.key));
  const args = ['-c', configPath];
  const child: ChildProcess = spawn(h2oBin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  track(child, { group: false, stopSignal: 'SIGTERM' });
  if (child.pid === undefined) throw new Error('h2o did not start');
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = (): Promise<void> => stopChild(child);

  const deadline = Date.now() + 10_000;
  for (const port of ports) {
    for (;;) {
      if (exited) {
        const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
        throw new Error(`h2o exited at start:\n${stderr}\n${log.slice(-2000)}`);
      }
      try {
        await probe(port);
        break;
      } catch (error) {
        if (Date.now() > deadline) {
          await stop();
          throw new Error(`h2o not listening on ${port} in 10 s: ${String(error)}`);
        }
        await sleep(50);
      }
    }
  }
  const version = h2oVersion(h2oBin);
  return { origins: ports.map((p) => `https://127.0.0.1:${p}`), command: [h2oBin, ...args], version, stop };
}

/** `h2o --version`'s first line: "h2o version 2.2.5". */
function h2oVersion(h2oBin: string): string {
  try {
    return execFileSync(h2oBin, ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim() ?? 'h2o';
  } catch {
    return 'h2o (version unknown)';
  }
}
