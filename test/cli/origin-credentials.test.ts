// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:NAME} is the syntax under test, not a template
/**
 * Issue 19, item 5: credentials bound to origins, and secrets from the environment.
 *
 * Two origins on loopback, A and B, each recording every request it saw (each redirects to the
 * other on /to-other). `--header-for`, `--user-for` and a file's `defaults.origins` must reach
 * their own origin only — on the first request and on every redirect hop; `${env:TOKEN}` in a
 * target file is resolved, reaches the server, and is `***` in every report format and on stderr;
 * a missing variable is exit 2 before any request; an unbound credential that reaches two
 * origins is said once on stderr.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type ServerRequest, type TestServer } from '../helpers/servers.js';
import { runCli, tempDir } from './harness.js';

const TOKEN = 'tok-SECRET-4821';
const PASSWORD_B = 'pw-B-SECRET-77';

let a: TestServer;
let b: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

function redirectTo(other: () => TestServer) {
  return (_req: ServerRequest, ctx: { socket: import('node:net').Socket }) =>
    send(ctx.socket, response(302, '', [['Location', `${other().url}/ok`]]));
}

beforeAll(async () => {
  a = await startHttpServer({
    '/to-other': redirectTo(() => b),
    // Back to itself: a redirect loop, whose error message quotes the URL (with its secret).
    '/loop': (req, ctx) => send(ctx.socket, response(302, '', [['Location', req.target]])),
  });
  b = await startHttpServer({ '/to-other': redirectTo(() => a) });
  tmp = await tempDir();
});
afterAll(async () => {
  await a.close();
  await b.close();
  await tmp.cleanup();
});

/** What each server received while `run` ran. */
async function seen<T>(run: () => Promise<T>): Promise<{ result: T; atA: ServerRequest[]; atB: ServerRequest[] }> {
  const [fromA, fromB] = [a.received.length, b.received.length];
  const result = await run();
  return { result, atA: a.received.slice(fromA), atB: b.received.slice(fromB) };
}

const basic = (pair: string): string => `Basic ${Buffer.from(pair).toString('base64')}`;

/** Every header value a list of requests carried, as `name: value` lines. */
const headerLines = (requests: readonly ServerRequest[]): string[] =>
  requests.flatMap((r) => r.headers.map(([n, v]) => `${n.toLowerCase()}: ${v}`));

/** A/ok, B/ok, and each one's redirect to the other: both origins, each also reached by a hop. */
const bothWays = (): string[] => [`${a.url}/ok`, `${b.url}/ok`, `${a.url}/to-other`, `${b.url}/to-other`];

function expectOnlyOwn(atA: ServerRequest[], atB: ServerRequest[], ownA: string[], ownB: string[]): void {
  // Each origin saw two requests of its own and one hop from the other's redirect.
  expect(atA).toHaveLength(3);
  expect(atB).toHaveLength(3);
  for (const req of atA) for (const line of ownA) expect(headerLines([req])).toContain(line);
  for (const req of atB) for (const line of ownB) expect(headerLines([req])).toContain(line);
  for (const line of ownA) expect(headerLines(atB)).not.toContain(line);
  for (const line of ownB) expect(headerLines(atA)).not.toContain(line);
}

describe('credentials bound to an origin reach that origin only, redirect hops included', () => {
  it('--header-for and --user-for', async () => {
    const { result, atA, atB } = await seen(() =>
      runCli([
        '-L',
        '--header-for',
        a.url,
        'X-Api-Key: key-for-A',
        `--user-for=${b.url}/`,
        `bob:${PASSWORD_B}`,
        ...bothWays(),
      ]),
    );
    expect(result.code, result.stderr).toBe(0);
    expectOnlyOwn(atA, atB, ['x-api-key: key-for-A'], [`authorization: ${basic(`bob:${PASSWORD_B}`)}`]);
    // Nothing bound to A carried an Authorization to A.
    expect(atA.some((r) => r.header('authorization') !== undefined)).toBe(false);
    expect(result.stderr).not.toContain('warning');
  });

  it("a target file's defaults.origins, with ${env:…} values", async () => {
    const file = await tmp.file(
      'origins.json',
      JSON.stringify({
        defaults: {
          origins: {
            // Spelled with the default port's absence and upper case: still origin A.
            [a.url.replace('http://', 'HTTP://')]: { headers: { Authorization: 'Bearer ${env:TOKEN}' } },
            [`${b.url}/`]: { user: 'bob:${env:PASSWORD_B}', headers: { 'X-Team': 'b-team' } },
          },
        },
        targets: bothWays(),
      }),
    );
    const { result, atA, atB } = await seen(() => runCli(['-L', file], { env: { TOKEN, PASSWORD_B } }));
    expect(result.code, result.stderr).toBe(0);
    expectOnlyOwn(
      atA,
      atB,
      [`authorization: Bearer ${TOKEN}`],
      [`authorization: ${basic(`bob:${PASSWORD_B}`)}`, 'x-team: b-team'],
    );
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(result.stdout + result.stderr).not.toContain(PASSWORD_B);
  });

  it('a bound header replaces -H of the same name for its origin; a target’s own header wins over both', async () => {
    const file = await tmp.file(
      'own.jsonl',
      `${JSON.stringify({ url: `${a.url}/ok`, headers: { 'X-Api-Key': 'own-key' } })}\n${JSON.stringify(`${a.url}/ok`)}\n${JSON.stringify(`${b.url}/ok`)}\n`,
    );
    const { result, atA, atB } = await seen(() =>
      runCli(['-c', '1', '-H', 'X-Api-Key: everyone', '--header-for', a.url, 'X-Api-Key: key-for-A', file]),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(atA.map((r) => r.header('x-api-key')).sort()).toEqual(['key-for-A', 'own-key']);
    expect(atB.map((r) => r.header('x-api-key'))).toEqual(['everyone']);
  });

  it.each([
    [
      ['--header-for', 'ftp://127.0.0.1', 'X: y'],
      /^fetch-many: --header-for: origin "ftp:\/\/127\.0\.0\.1" must start with http:\/\/ or https:\/\//,
    ],
    [
      ['--header-for', 'http://127.0.0.1:8080/api', 'X: y'],
      /^fetch-many: --header-for: origin "http:\/\/127\.0\.0\.1:8080\/api" must be scheme:\/\/host\[:port\] only/,
    ],
    [
      ['--header-for', 'http://127.0.0.1:0', 'X: y'],
      /^fetch-many: --header-for: origin "http:\/\/127\.0\.0\.1:0" has an invalid port/,
    ],
    [['--header-for', 'http://u:p@127.0.0.1', 'X: y'], /^fetch-many: --header-for: origin .* without user info/],
    [['--header-for', 'http://127.0.0.1', 'no colon'], /^fetch-many: --header-for: header "no colon" has no colon/],
    [
      ['--user-for', 'http://127.0.0.1', 'nopassword'],
      /^fetch-many: --user-for: the credential for http:\/\/127\.0\.0\.1 needs user:password/,
    ],
    // Last on the line: the target would be taken for the second word.
    [['--user-for', 'http://127.0.0.1'], /^fetch-many: --user-for needs two words: ORIGIN and user:password/],
  ])('%j is a one-line usage error naming the flag and the value, before any request', async (args, message) => {
    const { result, atA } = await seen(() => runCli([`${a.url}/ok`, ...args]));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toContain('nopassword');
    expect(atA).toHaveLength(0);
  });

  it('a bad origin in defaults.origins is a usage error naming the file', async () => {
    const file = await tmp.file(
      'bad-origin.json',
      JSON.stringify({ defaults: { origins: { 'api.example.com': { user: 'a:b' } } }, targets: [`${a.url}/ok`] }),
    );
    const { result, atA } = await seen(() => runCli([file]));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `${file}: defaults: field "origins": origin "api.example.com" must start with http:// or https://`,
    );
    expect(atA).toHaveLength(0);
  });
});

describe('${env:NAME} in a target file', () => {
  /** A target whose name and URL carry the token, failing with an error that quotes its URL; and a 500 with it. */
  async function secretTargets(): Promise<string> {
    return tmp.file(
      'env.json',
      JSON.stringify({
        targets: [
          { name: 'api ${env:TOKEN}', url: `${a.url}/loop?key=\${env:TOKEN}` },
          `${a.url}/status/500?key=\${env:TOKEN}`,
          { url: `${a.url}/ok`, headers: { 'X-Literal': '$${env:TOKEN}', 'X-Token': '${env:TOKEN}' } },
        ],
      }),
    );
  }

  it('is resolved before the request: the server sees the value', async () => {
    const file = await secretTargets();
    const { result, atA } = await seen(() => runCli(['-L', '--ndjson', file], { env: { TOKEN } }));
    expect(result.code, result.stderr).toBe(1);
    expect(atA.map((r) => r.target)).toContain(`/status/500?key=${TOKEN}`);
    const withHeaders = atA.find((r) => r.target === '/ok');
    expect(withHeaders?.header('x-token')).toBe(TOKEN);
    // $${env:…} is the literal text.
    expect(withHeaders?.header('x-literal')).toBe('${env:TOKEN}');
  });

  it.each([
    ['the table', []],
    ['NDJSON', ['--ndjson']],
    ['JSON', ['--json']],
    ['CSV', ['--csv']],
    ['Markdown', ['--markdown']],
  ])('%s shows *** for it, and stderr never shows it', async (label, args) => {
    const file = await secretTargets();
    const run = await runCli([...args, '-L', file], { env: { TOKEN, COLUMNS: '300' } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout, `${label} stdout`).not.toContain(TOKEN);
    expect(run.stderr, `${label} stderr`).not.toContain(TOKEN);
    expect(run.stdout).toContain(label === 'Markdown' ? 'key=\\*\\*\\*' : 'key=***');
  });

  it('the NDJSON result: URL, name and error message masked, input kept as written', async () => {
    const file = await secretTargets();
    const run = await runCli(['--ndjson', '-L', file], { env: { TOKEN } });
    const results = run.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            index: number;
            input: string;
            name?: string;
            url: string;
            error: { message: string } | null;
          },
      )
      .sort((x, y) => x.index - y.index);
    expect(results[0]?.name).toBe('api ***');
    expect(results[0]?.url).toBe(`${a.url}/loop?key=***`);
    expect(results[0]?.error?.message).toContain(`${a.url}/loop?key=***`);
    expect(results[0]?.input).toContain('${env:TOKEN}');
    expect(results[1]?.url).toBe(`${a.url}/status/500?key=***`);
  });

  it('JUnit, GitHub annotations and the step summary show *** too', async () => {
    const file = await secretTargets();
    const junit = join(tmp.dir, 'env-report.xml');
    const summary = join(tmp.dir, 'env-summary.md');
    await writeFile(summary, '');
    const run = await runCli(['--junit', junit, '-L', file], {
      env: { TOKEN, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, COLUMNS: '300' },
    });
    expect(run.code, run.stderr).toBe(1);
    const annotations = run.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(annotations.length).toBeGreaterThan(0);
    expect(annotations.join('\n')).toContain('key=***');
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    const xml = await readFile(junit, 'utf8');
    expect(xml).not.toContain(TOKEN);
    expect(xml).toContain('key=***');
    const md = await readFile(summary, 'utf8');
    expect(md).not.toContain(TOKEN);
    expect(md).toContain('key=\\*\\*\\*');
  });

  it('a usage error that quotes the value shows *** on stderr', async () => {
    const file = await tmp.file(
      'bad-method.json',
      JSON.stringify({ defaults: { method: 'GET ${env:TOKEN}' }, targets: [`${a.url}/ok`] }),
    );
    const { result, atA } = await seen(() => runCli([file], { env: { TOKEN } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^fetch-many: .*bad-method\.json: defaults: field "method": "GET \*\*\*" is not a valid method token/,
    );
    expect(result.stderr).not.toContain(TOKEN);
    expect(atA).toHaveLength(0);
  });

  it('a missing variable exits 2 before any request, naming the target, the field and the variable', async () => {
    const file = await tmp.file(
      'missing.json',
      JSON.stringify([
        `${a.url}/ok`,
        { url: `${a.url}/ok`, headers: { Authorization: 'Bearer ${env:FM_TEST_UNSET}' } },
      ]),
    );
    const { result, atA } = await seen(() => runCli([file], { env: { FM_TEST_UNSET: undefined } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `fetch-many: ${file}: target 2: field headers.Authorization: environment variable FM_TEST_UNSET is not set (\${env:FM_TEST_UNSET})\n`,
    );
    expect(atA).toHaveLength(0);
  });

  it('an empty variable is refused as a missing one (a CI secret not passed is often "")', async () => {
    const file = await tmp.file('empty.json', JSON.stringify({ targets: [`${a.url}/ok?k=\${env:FM_TEST_EMPTY}`] }));
    const { result, atA } = await seen(() => runCli([file], { env: { FM_TEST_EMPTY: '' } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/target 1: the URL: environment variable FM_TEST_EMPTY is empty/);
    expect(atA).toHaveLength(0);
  });

  it('in a streamed list, the line with a missing variable ends the list there: exit 2, naming the line', async () => {
    const file = await tmp.file('missing.txt', `${a.url}/ok?k=\${env:TOKEN}\n${a.url}/ok?k=\${env:FM_TEST_UNSET}\n`);
    const { result, atA } = await seen(() => runCli(['--ndjson', file], { env: { TOKEN, FM_TEST_UNSET: undefined } }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `fetch-many: ${file} line 2: the URL: environment variable FM_TEST_UNSET is not set`,
    );
    expect(atA.map((r) => r.target)).toEqual([`/ok?k=${TOKEN}`]);
    expect(result.stdout).not.toContain(TOKEN);
  });

  it('stdin is a target file too; command-line arguments are left to the shell', async () => {
    const { result, atA } = await seen(() =>
      runCli(['--ndjson', '-', `${a.url}/ok?arg=\${env:TOKEN}`], {
        stdin: `${a.url}/ok?stdin=\${env:TOKEN}\n`,
        env: { TOKEN },
      }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(atA.map((r) => r.target)).toContain(`/ok?stdin=${TOKEN}`);
    const fromArgument = atA.find((r) => r.target.startsWith('/ok?arg='));
    expect(fromArgument?.target).toContain('env:TOKEN');
    expect(fromArgument?.target).not.toContain(TOKEN);
  });
});

describe('an unbound credential that goes to more than one origin', () => {
  const warningLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.includes('warning'));

  it('-H Authorization: said once, with the count and the --header-for spelling; still sent (curl)', async () => {
    const { result, atA, atB } = await seen(() =>
      runCli(['-H', `Authorization: Bearer ${TOKEN}`, `${a.url}/ok`, `${b.url}/ok`, `${a.url}/ok?again`]),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(warningLines(result.stderr)).toEqual([
      "fetch-many: warning: -H Authorization was sent to 2 origins (every target's); to send it to one origin only, use --header-for ORIGIN 'Authorization: …'",
    ]);
    expect(result.stderr).not.toContain(TOKEN);
    expect([...atA, ...atB].every((r) => r.header('authorization') === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('-u and -H Cookie each get their line; streamed stdin counts every origin it brought', async () => {
    const { result } = await seen(() =>
      runCli(['--ndjson', '-u', 'alice:pw', '-H', 'Cookie: s=1'], { stdin: `${a.url}/ok\n${b.url}/ok\n${a.url}/ok\n` }),
    );
    expect(result.code, result.stderr).toBe(0);
    expect(warningLines(result.stderr)).toEqual([
      "fetch-many: warning: -H Cookie was sent to 2 origins (every target's); to send it to one origin only, use --header-for ORIGIN 'Cookie: …'",
      "fetch-many: warning: -u was sent to 2 origins (every target's); to send it to one origin only, use --user-for ORIGIN user:password",
    ]);
  });

  it('is not said for one origin, nor where --header-for took its place, nor with -q', async () => {
    const one = await runCli(['-H', 'Authorization: Bearer x', `${a.url}/ok`, `${a.url}/ok?2`]);
    expect(warningLines(one.stderr)).toEqual([]);
    const bound = await runCli([
      '-H',
      'Authorization: Bearer x',
      '--header-for',
      b.url,
      'Authorization: Bearer y',
      `${a.url}/ok`,
      `${b.url}/ok`,
    ]);
    expect(warningLines(bound.stderr)).toEqual([]);
    const quiet = await runCli(['-q', '-H', 'Authorization: Bearer x', `${a.url}/ok`, `${b.url}/ok`]);
    expect(quiet.stderr).toBe('');
  });
});
