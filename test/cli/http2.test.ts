/** The HTTP/2 flags as a user runs them, and httpVersion in the machine-readable formats. */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type H2Server, startH2Server } from '../helpers/h2-server.js';
import { parseNdjson, runCli } from './harness.js';

const CA = fileURLToPath(new URL('../fixtures/tls/ca.pem', import.meta.url));
const env = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', NO_PROXY: '', no_proxy: '' };

let tls: H2Server;
let h2c: H2Server;
beforeAll(async () => {
  tls = await startH2Server({ allowHTTP1: true });
  h2c = await startH2Server({ tls: false });
});
afterAll(async () => {
  await Promise.all([tls.close(), h2c.close()]);
});

describe('HTTP/2 on the command line', () => {
  it('https speaks h2 by default and HTTP/1.1 with --http1.1; NDJSON and CSV say which', async () => {
    const urls = [`${tls.url}/a`, `${tls.url}/b`];
    const h2run = await runCli(['--ndjson', '--no-progress', '--cacert', CA, ...urls], { env });
    expect(h2run.code).toBe(0);
    expect(parseNdjson(h2run.stdout).map((r) => r.httpVersion)).toEqual(['2', '2']);
    const h1run = await runCli(['--ndjson', '--no-progress', '--http1.1', '--cacert', CA, ...urls], { env });
    expect(parseNdjson(h1run.stdout).map((r) => r.httpVersion)).toEqual(['1.1', '1.1']);
    const csv = await runCli(['--csv', '--no-progress', '--cacert', CA, urls[0]!], { env });
    const [header, row] = csv.stdout.trim().split('\r\n');
    // Found by name: columns added later (issue 20: change, cached) come after it.
    const column = header?.split(',').indexOf('http_version') ?? -1;
    expect(column).toBeGreaterThan(0);
    expect(row?.split(',')[column]).toBe('2');
  });

  it('--http2-prior-knowledge speaks h2c to a cleartext target', async () => {
    const r = await runCli(['--ndjson', '--no-progress', '--http2-prior-knowledge', `${h2c.url}/c`], { env });
    expect(r.code).toBe(0);
    expect(parseNdjson(r.stdout)[0]).toMatchObject({ ok: true, httpVersion: '2', bytes: 2 });
  });
});
