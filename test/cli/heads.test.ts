/**
 * Issue 23, item 1: -v shows each target's request and response heads on stderr, -i adds the
 * response headers to the table and to NDJSON/JSON, -I implies -i. Credentials as ***, control
 * characters escaped, input order, HTTP/1.1 and HTTP/2.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type H2Server, startH2Server } from '../helpers/h2-server.js';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { BIN, parseJsonReport, parseNdjson, runCli } from './harness.js';

const env = { HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '', NO_PROXY: '', no_proxy: '' };

let h1: TestServer;
let h2c: H2Server;
beforeAll(async () => {
  // With ?gate, /head?n=1 answers only after two other gated requests were answered: the later
  // targets finish first, and the output must still come in input order.
  let answered = 0;
  let held: (() => void) | null = null;
  h1 = await startHttpServer({
    '/head': (req, ctx) => {
      const query = new URL(req.target, 'http://x').searchParams;
      const n = query.get('n') ?? '0';
      const answer = () =>
        send(
          ctx.socket,
          response(200, 'ok', [
            ['X-Order', n],
            ['Set-Cookie', 'session=s3cr3t-cookie'],
            ['X-Evil', 'a\u009b31mred'],
            ['Content-Type', 'text/plain'],
          ]),
        );
      if (!query.has('gate')) return answer();
      if (n === '1') held = answer;
      else answer();
      if (n !== '1') answered++;
      if (answered >= 2 && held !== null) {
        held();
        held = null;
        answered = 0;
      }
    },
  });
  h2c = await startH2Server({
    tls: false,
    handler: (stream, headers) => {
      stream.respond({ ':status': 200, 'x-path': String(headers[':path']), 'set-cookie': 'h2=s3cr3t-cookie' });
      stream.end('ok');
    },
  });
});
afterAll(async () => {
  await Promise.all([h1.close(), h2c.close()]);
});

const urls = () => [1, 2, 3].map((n) => `${h1.url}/head?n=${n}&gate`);

describe('-v', () => {
  it('prints request and response heads on stderr, in input order, credentials as ***', async () => {
    const run = await runCli(['-v', '-H', 'Authorization: Bearer tok-abcdef', '-c', '3', ...urls()], { env });
    expect(run.code, run.stderr).toBe(0);
    const err = run.stderr;
    const starts = [1, 2, 3].map((n) => err.indexOf(`* #${n} ${h1.url}/head?n=${n}&gate`));
    expect(
      starts.every((at) => at >= 0),
      err,
    ).toBe(true);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    expect(err).toContain('> GET /head?n=2&gate HTTP/1.1');
    expect(err).toContain(`> Host: 127.0.0.1:${h1.port}`);
    expect(err).toContain('> Authorization: ***');
    expect(err).toContain('< HTTP/1.1 200');
    expect(err).toContain('< x-order: 2');
    expect(err).toContain('< set-cookie: ***');
    expect(err).not.toContain('s3cr3t');
    expect(err).not.toContain('tok-abcdef');
    // A C1 control from the server is shown escaped, never sent to the terminal.
    expect(err).toMatch(/< x-evil: a.?\\x9b31mred/);
    expect(err).not.toContain('\x9b');
    // stdout is the table as without -v, with no header lines in it.
    expect(run.stdout).not.toContain('x-order');
  });

  it('shows the HTTP/2 request fields and response head', async () => {
    const run = await runCli(['-v', '--http2-prior-knowledge', `${h2c.url}/a`, `${h2c.url}/b`], { env });
    expect(run.code, run.stderr).toBe(0);
    const a = run.stderr.indexOf('> GET /a HTTP/2');
    const b = run.stderr.indexOf('> GET /b HTTP/2');
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
    expect(run.stderr).toContain(`> :authority: 127.0.0.1:${h2c.port}`);
    expect(run.stderr).toContain('< HTTP/2 200');
    expect(run.stderr).toContain('< x-path: /b');
    expect(run.stderr).toContain('< set-cookie: ***');
    expect(run.stderr).not.toContain('s3cr3t');
  });

  it('keeps NDJSON as it is without -v', async () => {
    const run = await runCli(['-v', '--ndjson', `${h1.url}/head?n=1`], { env });
    const [r] = parseNdjson(run.stdout);
    expect(r).toBeDefined();
    expect(r).not.toHaveProperty('responseHeaders');
    expect(r).not.toHaveProperty('requestHeaders');
  });
});

describe('-v on a terminal', () => {
  it("puts each target's heads right after its row (stdout and stderr on one pty)", async () => {
    const args = [BIN, '-v', '-c', '1', ...[1, 2, 3].map((n) => `${h1.url}/head?n=${n}`)];
    const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const output = await new Promise<string>((resolve) => {
      const child = execFile(
        'script',
        ['-qec', `stty cols 100 rows 50; exec ${quoted}`, '/dev/null'],
        { encoding: 'utf8', timeout: 20_000, env: { ...process.env, ...env, NO_COLOR: '1', FORCE_COLOR: undefined } },
        (_err, stdout) => resolve(stdout.replace(/\r\n/g, '\n')),
      );
      child.stdin?.end();
    });
    const lines = output.split('\n');
    const rows = [1, 2, 3].map((n) => lines.findIndex((l) => /^ {2}\d {2}http/.test(l) && l.includes(`head?n=${n}`)));
    const heads = [1, 2, 3].map((n) => lines.findIndex((l) => l.startsWith(`* #${n} `)));
    expect(
      [...rows, ...heads].every((at) => at >= 0),
      output,
    ).toBe(true);
    for (let i = 0; i < 3; i++) {
      expect(heads[i]!, output).toBeGreaterThan(rows[i]!);
      if (i < 2) expect(heads[i]!, output).toBeLessThan(rows[i + 1]!);
    }
  });
});

describe('-i and -I', () => {
  it('-i adds responseHeaders to NDJSON, in wire order, redacted (h1 and h2)', async () => {
    const run = await runCli(['-i', '--ndjson', '-c', '3', ...urls()], { env });
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout).sort((x, y) => x.index - y.index);
    expect(results.map((r) => r.responseHeaders?.map(([n]) => n))).toEqual(
      [1, 2, 3].map(() => ['x-order', 'set-cookie', 'x-evil', 'content-type', 'content-length']),
    );
    expect(results.map((r) => r.responseHeaders?.[0]?.[1])).toEqual(['1', '2', '3']);
    expect(results[0]?.responseHeaders?.[1]).toEqual(['set-cookie', '***']);
    expect(results[0]).not.toHaveProperty('requestHeaders');

    const h2 = await runCli(['-i', '--json', '--http2-prior-knowledge', `${h2c.url}/x`], { env });
    const [r2] = parseJsonReport(h2.stdout).results;
    expect(r2?.responseHeaders).toEqual([
      ['x-path', '/x'],
      ['set-cookie', '***'],
      ['date', expect.any(String)],
    ]);
  });

  it('-i prints the headers under each row of the table, in input order', async () => {
    const run = await runCli(['-i', '-c', '3', ...urls()], { env: { ...env, COLUMNS: '100' } });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const rows = [1, 2, 3].map((n) => lines.findIndex((l) => l.includes(`head?n=${n}`)));
    const orders = [1, 2, 3].map((n) => lines.indexOf(`     x-order: ${n}`));
    for (let i = 0; i < 3; i++) {
      expect(orders[i]!, run.stdout).toBeGreaterThan(rows[i]!);
      if (i < 2) expect(orders[i]!).toBeLessThan(rows[i + 1]!);
    }
    expect(run.stdout).toContain('     set-cookie: ***');
    expect(run.stdout).toMatch(/ {5}x-evil: a.?\\x9b31mred/);
    expect(run.stdout).not.toContain('\x9b');
    expect(run.stdout).not.toContain('s3cr3t');
  });

  it('-I implies -i, as curl', async () => {
    const run = await runCli(['-I', '--ndjson', `${h1.url}/head?n=1`], { env });
    const [r] = parseNdjson(run.stdout);
    expect(r?.method).toBe('HEAD');
    expect(r?.responseHeaders?.[0]).toEqual(['x-order', '1']);
  });
});
