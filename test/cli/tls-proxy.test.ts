/**
 * The connection-side options of issue 6 as a user runs them, with concurrency at 100: a
 * self-signed server trusted through --cacert, client certificates, --servername, a name pinned
 * with --resolve, fetches through a local proxy (--proxy, HTTP_PROXY / HTTPS_PROXY / NO_PROXY),
 * --compressed, and expect.certDaysLeft in a target file.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/types.js';
import { startProxyServer, type TestProxy } from '../helpers/proxy-server.js';
import {
  response,
  send,
  startHttpServer,
  startHttpsServer,
  startRefusedPort,
  type TestServer,
} from '../helpers/servers.js';
import { expectNoCrash, expectUsageError, parseNdjson, runCli, tempDir, type CliRun } from './harness.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const CA = fixture('ca.pem');
const SELF_SIGNED = fixture('self-signed.pem');
const CLIENT_CERT = fixture('client.pem');
const CLIENT_KEY = fixture('client-key.pem');
const SERVER_KEY = fixture('server-key.pem');

/** No proxy from whoever runs the tests: each test sets the variables it is about. */
const NO_PROXY_ENV = {
  HTTP_PROXY: undefined,
  http_proxy: undefined,
  HTTPS_PROXY: undefined,
  https_proxy: undefined,
  NO_PROXY: undefined,
  no_proxy: undefined,
};

const TEXT = 'compressible text, '.repeat(500);

let plain: TestServer;
let selfSigned: TestServer;
let caSigned: TestServer;
let mtls: TestServer;
let wrongHost: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  plain = await startHttpServer({
    '/gzip': (_req, ctx) => send(ctx.socket, response(200, gzipSync(TEXT), [['Content-Encoding', 'gzip']])),
  });
  selfSigned = await startHttpsServer({ cert: 'self-signed' });
  caSigned = await startHttpsServer();
  mtls = await startHttpsServer({ requireClientCert: true });
  wrongHost = await startHttpsServer({ cert: 'wrong-host' });
  tmp = await tempDir();
});
afterAll(async () => {
  await Promise.all([plain, selfSigned, caSigned, mtls, wrongHost].map((s) => s.close()));
  await tmp.cleanup();
});

/** Runs the CLI with NDJSON output and no proxy from the environment unless `env` sets one. */
async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ run: CliRun; results: Result[] }> {
  const run = await runCli(['--ndjson', '--no-progress', ...args], {
    env: { ...NO_PROXY_ENV, ...env },
    killAfterMs: 30_000,
  });
  expectNoCrash(run);
  return { run, results: parseNdjson(run.stdout).sort((a, b) => a.index - b.index) };
}

const many = (n: number, url: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => url(i));

describe('--cacert', () => {
  it('trusts a self-signed server, 200 requests at -c 100, each reporting its TLS session', async () => {
    const { run, results } = await cli([
      '-c',
      '100',
      '--cacert',
      SELF_SIGNED,
      ...many(200, (i) => `${selfSigned.url}/bytes/${i}`),
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(results).toHaveLength(200);
    for (const [i, r] of results.entries()) {
      expect(r).toMatchObject({ ok: true, status: 200, bytes: i, remoteAddress: '127.0.0.1' });
      expect(r.tls).toMatchObject({
        subject: 'CN=localhost',
        issuer: 'CN=localhost',
        validTo: '2075-01-01T00:00:00.000Z',
      });
      expect(r.tls?.daysLeft).toBeGreaterThan(10_000);
    }
  });

  it('without it, the same server fails with error tls and exit 1', async () => {
    const { run, results } = await cli([`${selfSigned.url}/ok`]);
    expect(run.code).toBe(1);
    expect(results[0]?.error?.code).toBe('tls');
  });

  it('rejects a file that holds no certificate as a usage error', async () => {
    const notPem = await tmp.file('not.pem', 'hello');
    const run = await runCli(['--cacert', notPem, `${caSigned.url}/ok`], { env: NO_PROXY_ENV });
    expectUsageError(run, '--cacert');
  });
});

describe('--cert / --key', () => {
  it('passes a server that requires a client certificate', async () => {
    const { run, results } = await cli(['--cacert', CA, '--cert', CLIENT_CERT, '--key', CLIENT_KEY, `${mtls.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(results[0]).toMatchObject({ ok: true, status: 200 });
  });

  it('without them, the server refuses: error tls, exit 1', async () => {
    const { run, results } = await cli(['--cacert', CA, `${mtls.url}/ok`]);
    expect(run.code).toBe(1);
    expect(results[0]?.error?.code).toBe('tls');
  });

  it('a key that does not match the certificate is a usage error before any request', async () => {
    const before = mtls.connections;
    const run = await runCli(['--cacert', CA, '--cert', CLIENT_CERT, '--key', SERVER_KEY, `${mtls.url}/ok`], {
      env: NO_PROXY_ENV,
    });
    expectUsageError(run, /cannot use/);
    expect(mtls.connections).toBe(before);
  });
});

describe('--servername', () => {
  it('makes a certificate for another name pass when the name matches', async () => {
    const { run, results } = await cli(['--cacert', CA, '--servername', 'wrong.example', `${wrongHost.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(results[0]?.tls?.subject).toBe('CN=wrong.example');
  });

  it('without it the certificate fails the host check', async () => {
    const { run, results } = await cli(['--cacert', CA, `${wrongHost.url}/ok`]);
    expect(run.code).toBe(1);
    expect(results[0]?.error?.code).toBe('tls');
  });
});

describe('--resolve', () => {
  it('pins a name to 127.0.0.1 for http and https, 200 requests at -c 100', async () => {
    const urls = many(200, (i) =>
      i % 2 === 0 ? `http://app.test:${plain.port}/bytes/${i}` : `https://localhost:${caSigned.port}/bytes/${i}`,
    );
    const { run, results } = await cli([
      '-c',
      '100',
      '--cacert',
      CA,
      '--resolve',
      `app.test:${plain.port}:127.0.0.1`,
      '--resolve',
      `localhost:${caSigned.port}:127.0.0.1`,
      ...urls,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(results.map((r) => [r.ok, r.bytes, r.remoteAddress, r.timings.dns])).toEqual(
      urls.map((_, i) => [true, i, '127.0.0.1', null]),
    );
  });

  it('a pinned name keeps its Host header', async () => {
    const before = plain.received.length;
    const { run } = await cli(['--resolve', `app.test:${plain.port}:127.0.0.1`, `http://app.test:${plain.port}/echo`]);
    expect(run.code).toBe(0);
    expect(plain.received[before]?.header('host')).toBe(`app.test:${plain.port}`);
  });
});

describe('proxies', () => {
  let proxy: TestProxy;
  beforeAll(async () => {
    proxy = await startProxyServer();
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('--proxy carries http targets (absolute-form) and https targets (CONNECT), 200 requests at -c 100', async () => {
    const before = proxy.lines.length;
    const urls = many(200, (i) =>
      i % 2 === 0 ? `http://origin.test:${plain.port}/bytes/${i}` : `https://localhost:${caSigned.port}/bytes/${i}`,
    );
    // --per-host 6: tunnels are kept alive and reused, so the CONNECTs are bounded by the cap.
    const { run, results } = await cli(['-c', '100', '--per-host', '6', '--cacert', CA, '--proxy', proxy.url, ...urls]);
    expect(run.code, run.stderr).toBe(0);
    expect(results.map((r) => [r.ok, r.bytes])).toEqual(urls.map((_, i) => [true, i]));
    const lines = proxy.lines.slice(before);
    expect(lines.filter((l) => l.startsWith('GET http://origin.test:'))).toHaveLength(100);
    const connects = lines.filter((l) => l.startsWith('CONNECT '));
    expect(connects.length).toBeGreaterThan(0);
    expect(connects.length).toBeLessThanOrEqual(6);
    expect(new Set(connects)).toEqual(new Set([`CONNECT localhost:${caSigned.port} HTTP/1.1`]));
  });

  it('HTTP_PROXY and HTTPS_PROXY from the environment', async () => {
    const before = proxy.lines.length;
    const { run } = await cli(
      ['--cacert', CA, `http://origin.test:${plain.port}/ok`, `https://localhost:${caSigned.port}/ok`],
      {
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.lines.slice(before).sort()).toEqual(
      [`GET http://origin.test:${plain.port}/ok HTTP/1.1`, `CONNECT localhost:${caSigned.port} HTTP/1.1`].sort(),
    );
  });

  it('NO_PROXY sends the hosts it lists directly', async () => {
    const before = proxy.lines.length;
    const { run } = await cli([`${plain.url}/ok`, `http://origin.test:${plain.port}/ok`], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: 'localhost,127.0.0.1',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.lines.slice(before)).toEqual([`GET http://origin.test:${plain.port}/ok HTTP/1.1`]);
  });

  it('--proxy "" turns a proxy from the environment off', async () => {
    const before = proxy.lines.length;
    const { run } = await cli(['--proxy', '', `${plain.url}/ok`], { HTTP_PROXY: proxy.url });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.lines.length).toBe(before);
  });

  it('a proxy that refuses connections: error proxy, exit 1', async () => {
    const port = await startRefusedPort();
    const { run, results } = await cli(['--proxy', `http://127.0.0.1:${port}`, `http://origin.test:${plain.port}/ok`]);
    expect(run.code).toBe(1);
    expect(results[0]?.error?.code).toBe('proxy');
    expect(results[0]?.error?.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('--compressed', () => {
  it('reports bytes on the wire and decodedBytes', async () => {
    const { run, results } = await cli(['--compressed', `${plain.url}/gzip`, `${plain.url}/ok`]);
    expect(run.code, run.stderr).toBe(0);
    expect(results[0]).toMatchObject({ ok: true, bytes: gzipSync(TEXT).length, decodedBytes: TEXT.length });
    expect(results[1]).toMatchObject({ ok: true, bytes: 2, decodedBytes: null });
  });

  it('without it, decodedBytes is null', async () => {
    const { results } = await cli([`${plain.url}/gzip`]);
    expect(results[0]).toMatchObject({ ok: true, bytes: gzipSync(TEXT).length, decodedBytes: null });
  });
});

describe('expect.certDaysLeft in a target file', () => {
  it('fails a certificate with fewer days left than required, passes one with enough, exit 1', async () => {
    const file = await tmp.file(
      'certs.json',
      JSON.stringify([
        { url: `${caSigned.url}/ok`, expect: { certDaysLeft: 30 } },
        { url: `${caSigned.url}/ok`, expect: { certDaysLeft: 100000 } },
        { url: `${plain.url}/ok`, expect: { certDaysLeft: 1 } },
      ]),
    );
    const { run, results } = await cli(['--cacert', CA, file]);
    expect(run.code).toBe(1);
    expect(results[0]).toMatchObject({ ok: true, failures: [] });
    expect(results[1]?.ok).toBe(false);
    expect(results[1]?.failures).toEqual([`certificate expires in ${results[1]!.tls!.daysLeft} days (< 100000)`]);
    expect(results[2]).toMatchObject({ ok: false, failures: ['no TLS certificate'] });
  });

  it('a certDaysLeft that is not a whole number of days makes that target invalid', async () => {
    const file = await tmp.file(
      'bad.json',
      JSON.stringify([{ url: `${caSigned.url}/ok`, expect: { certDaysLeft: '30' } }]),
    );
    const { run, results } = await cli(['--cacert', CA, file]);
    expect(run.code).toBe(1);
    expect(results[0]?.error?.code).toBe('invalid_target');
    expect(results[0]?.error?.message).toMatch(/expect\.certDaysLeft/);
  });
});
