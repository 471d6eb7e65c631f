/**
 * Issue 9, item 5: secrets never appear in a report. Every secret below reaches the CLI by a
 * different road — a target's headers, a URL's password, a `-H` flag, a `--redact-header` name,
 * a validation message quoting a bad value, a response `Set-Cookie` quoted by a failed
 * expectation, a redirect `Location` carrying credentials — and every output format (table,
 * NDJSON, JSON, CSV, Markdown, JUnit, GitHub annotations and step summary, stderr) is searched
 * for each value: absent, and `***` shown instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseNdjson, runCli, tempDir } from './harness.js';

const SECRETS = {
  auth: 'Bearer tok-AUTH-1234',
  cookie: 'sess=COOKIE-5678',
  proxyAuth: 'Basic PROXY-9012',
  apiKey: 'APIKEY-3456',
  urlPassword: 'URLPASS-7890',
  shorthandPassword: 'SHORTPW-6543',
  cli: 'CLI-SECRET-1111',
  badHeader: 'BADCOOKIE-2222',
  serverCookie: 'SERVERCOOKIE-3333',
  redirectPassword: 'REDIRPASS-4444',
} as const;

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let targetsFile = '';

beforeAll(async () => {
  server = await startHttpServer({
    '/set-cookie': (_req, ctx) => send(ctx.socket, response(200, 'ok', [['Set-Cookie', SECRETS.serverCookie]])),
    '/redirect': (_req, ctx) =>
      send(
        ctx.socket,
        response(302, '', [
          ['Location', `http://user:${SECRETS.redirectPassword}@127.0.0.1:${server.port}/status/500`],
        ]),
      ),
  });
  tmp = await tempDir();
  const port = server.port;
  const targets = [
    {
      url: `${server.url}/status/500`,
      headers: {
        Authorization: SECRETS.auth,
        cookie: SECRETS.cookie,
        'Proxy-Authorization': SECRETS.proxyAuth,
        'X-Api-Key': SECRETS.apiKey,
      },
    },
    `http://alice:${SECRETS.urlPassword}@127.0.0.1:${port}/status/500`,
    `bob:${SECRETS.shorthandPassword}@127.0.0.1:${port}/status/404`,
    // Invalid: a CR in a header value. The message quotes the value.
    { url: `${server.url}/ok`, headers: { Cookie: `${SECRETS.badHeader}\r\nX: 1` } },
    { url: `${server.url}/set-cookie`, expect: { header: { 'set-cookie': 'something-else' } } },
    `${server.url}/redirect`,
  ];
  targetsFile = await tmp.file('targets.json', JSON.stringify(targets));
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const common = (): string[] => ['-L', '-H', `Cookie: ${SECRETS.cli}`, '--redact-header', 'x-api-key', targetsFile];

function expectNoSecrets(where: string, text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    expect(text.includes(value), `${name} (${value}) leaked in ${where}:\n${text}`).toBe(false);
  }
}

describe('no secrets in reports', () => {
  it.each([
    ['the table', []],
    ['NDJSON', ['--ndjson']],
    ['JSON', ['--json']],
    ['CSV', ['--csv']],
    ['Markdown', ['--markdown']],
  ])('%s shows *** instead of every secret', async (label, args) => {
    const run = await runCli([...args, ...common()], { env: { COLUMNS: '400' } });
    expect(run.code, run.stderr).toBe(1);
    expectNoSecrets(`${label} stdout`, run.stdout);
    expectNoSecrets(`${label} stderr`, run.stderr);
    // Markdown escapes its own punctuation: `***` is written `\*\*\*`.
    expect(run.stdout).toContain(label === 'Markdown' ? '\\*\\*\\*' : '***');
  });

  it('NDJSON: inside input, URLs, messages and failures, with the rest of the text intact', async () => {
    const run = await runCli(['--ndjson', ...common()]);
    const results = run.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            index: number;
            input: string;
            error: { message: string } | null;
            failures: string[];
            redirects: { url: string }[];
          },
      )
      .sort((a, b) => a.index - b.index);
    expect(JSON.parse(results[0]!.input)).toMatchObject({
      headers: { Authorization: '***', cookie: '***', 'Proxy-Authorization': '***', 'X-Api-Key': '***' },
    });
    expect(results[1]!.input).toBe(`http://alice:***@127.0.0.1:${server.port}/status/500`);
    expect(results[2]!.input).toBe(`bob:***@127.0.0.1:${server.port}/status/404`);
    expect(results[3]!.error?.message).toContain('***');
    expect(results[4]!.failures.join(' ')).toMatch(/^header set-cookie/);
  });

  it('JUnit, GitHub annotations and the step summary hold no secret either', async () => {
    const junit = join(tmp.dir, 'report.xml');
    const summary = join(tmp.dir, 'summary.md');
    await writeFile(summary, '');
    const run = await runCli(['--junit', junit, ...common()], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, COLUMNS: '400' },
    });
    expect(run.code, run.stderr).toBe(1);
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations.length).toBeGreaterThan(0);
    expectNoSecrets('annotations', run.stdout);
    const xml = await readFile(junit, 'utf8');
    expectNoSecrets('JUnit', xml);
    expect(xml).toContain('***');
    const md = await readFile(summary, 'utf8');
    expectNoSecrets('step summary', md);
    expect(md).toContain('\\*\\*\\*');
  });

  it('masks the user info only: the password is still in the path it is part of (issue 22)', async () => {
    const path = `/basic-auth/alice/${SECRETS.urlPassword}`;
    const run = await runCli(['--ndjson', `http://alice:${SECRETS.urlPassword}@127.0.0.1:${server.port}${path}`]);
    const [result] = parseNdjson(run.stdout);
    expect(typeof result?.status).toBe('number');
    expect(result?.input).toBe(`http://alice:***@127.0.0.1:${server.port}${path}`);
    expect(result?.url).toBe(`${server.url}${path}`);
    expect(result?.finalUrl).toBe(`${server.url}${path}`);
  });

  it('--redact-header with something that is not a header name is a usage error, before any request', async () => {
    const before = server.received.length;
    const run = await runCli(['--redact-header', 'X Bad: name', `${server.url}/ok`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^fetch-many: --redact-header "X Bad: name" is not a header name/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(server.received.length).toBe(before);
  });
});
