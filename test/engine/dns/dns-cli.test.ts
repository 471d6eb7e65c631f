/**
 * The DNS flags on the command line: --dns-server (a test DNS server on loopback, IPv4 and IPv6),
 * --dns-concurrency, and --resolve with several addresses; bad values are one usage line each.
 */
import { describe, expect, it } from 'vitest';
import { expectUsageError, parseNdjson, runCli } from '../../cli/harness.js';
import { RCODE, startDnsServer } from '../../helpers/dns-server.js';
import { startHttpServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

describe('--dns-server', () => {
  it('resolves through the given servers; each failure keeps its meaning', async () => {
    const server = await start(startHttpServer());
    const dns = await start(
      startDnsServer({
        table: { 'cli.test': { a: ['127.0.0.1'] }, 'broken.test': { rcode: RCODE.SERVFAIL } },
      }),
    );
    const dns6 = await start(startDnsServer({ host: '::1', table: { 'six.test': { a: ['127.0.0.1'] } } }));
    const run = await runCli([
      '--ndjson',
      '--dns-server',
      dns.address,
      '--dns-server',
      dns6.address,
      '--dns-concurrency',
      '4',
      `http://cli.test:${server.port}/ok`,
      `http://broken.test:${server.port}/ok`,
    ]);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual([200, 'dns']);
    expect(results[1]?.error?.message).toBe('cannot resolve broken.test: the DNS server failed (SERVFAIL)');
    expect(run.code).toBe(1);
    expect(dns.questions.some((q) => q.name === 'cli.test')).toBe(true);
  });

  it('takes an IPv6 server in brackets', async () => {
    const server = await start(startHttpServer());
    const dns6 = await start(startDnsServer({ host: '::1', table: { 'six.test': { a: ['127.0.0.1'] } } }));
    const run = await runCli(['--ndjson', '--dns-server', dns6.address, `http://six.test:${server.port}/ok`]);
    expect(parseNdjson(run.stdout).map((r) => r.status)).toEqual([200]);
    expect(dns6.questions.length).toBeGreaterThan(0);
  });

  it('rejects a host name, a bad port and an unbracketed IPv6 with a port', async () => {
    expectUsageError(await runCli(['--dns-server', 'dns.example.com', 'http://127.0.0.1:9/']), '--dns-server');
    expectUsageError(await runCli(['--dns-server', '127.0.0.1:0', 'http://127.0.0.1:9/']), '--dns-server');
    expectUsageError(await runCli(['--dns-concurrency', '0', 'http://127.0.0.1:9/']), '--dns-concurrency');
  });
});

describe('--resolve with several addresses', () => {
  it('races them: a refusing address first, then one that answers', async () => {
    const server = await start(startHttpServer());
    const run = await runCli([
      '--ndjson',
      '--resolve',
      `multi.test:${server.port}:[::1],127.0.0.1`,
      `http://multi.test:${server.port}/ok`,
    ]);
    const [r] = parseNdjson(run.stdout);
    expect(r?.status).toBe(200);
    expect(r?.remoteAddress).toBe('127.0.0.1');
    expect(r?.timings.dns).toBeNull();
  });

  it('rejects a bad address among several, naming the flag', async () => {
    expectUsageError(await runCli(['--resolve', 'x.test:80:127.0.0.1,nope', 'http://x.test/']), '--resolve');
  });
});
