/**
 * Runs inside a private network + mount namespace (see test/engine/dns/dns-netns.test.ts), where
 * 127.0.0.1 is the namespace's own loopback and /etc/resolv.conf is a bind-mounted file naming
 * 127.0.0.1 as the server. Starts a DNS server on 127.0.0.1:53 and an HTTP server, runs the built
 * CLI WITHOUT --dns-server (so the system resolver's configuration is what it reads), and prints
 * one JSON line: the CLI's NDJSON results and the questions the DNS server was asked.
 */
import { spawn } from 'node:child_process';
import { RCODE, startDnsServer } from './dns-server.js';
import { startHttpServer } from './servers.js';

const root = process.argv[2] ?? process.cwd();
const dns = await startDnsServer({
  port: 53,
  table: {
    'sys.test': { a: ['127.0.0.1'] },
    'short.corp.test': { a: ['127.0.0.1'] },
    'nx.test': { rcode: RCODE.NXDOMAIN },
    'slow.test': { a: ['127.0.0.1'], delayMs: 100 },
  },
});
const http = await startHttpServer();
const p = http.port;
const child = spawn(
  process.execPath,
  [
    'bin/fetch-many.js',
    '--ndjson',
    '--connect-timeout',
    '5s',
    `http://sys.test:${p}/ok`,
    `http://short:${p}/ok`,
    `http://nx.test:${p}/ok`,
    `http://slow.test:${p}/ok`,
    `http://localhost:${p}/ok`,
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
);
let stdout = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk: string) => {
  stdout += chunk;
});
const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
clearTimeout(timer);
const results = stdout
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as unknown);
process.stdout.write(`${JSON.stringify({ exitCode: code, results, questions: dns.questions })}\n`);
await Promise.all([dns.close(), http.close()]);
