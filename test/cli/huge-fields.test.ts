/**
 * Issue 22: no synchronous step on user or server data may hold the event loop for long. Every
 * input path (target file, JSON lines and a text list on stdin, flags, each report format,
 * --expect-json, --expect-match, merge) gets 10 MB strings in its fields, and each run must end
 * (its result, or its one-line error). Then a run busy with such inputs gets a SIGTERM: the
 * process must be gone within 5 s of it — a liveness bound, not a speed claim (the old redaction
 * regex spun for hours on a few hundred KB, deaf to the signal).
 *
 * A result line over 8 MiB (a 10 MB URL is shown in input, url and finalUrl) is more than merge
 * and --resume read per line: merge says so in one line; merge itself gets 1 MB fields.
 *
 * Flags cannot carry 10 MB: Linux caps one argument at 128 KiB (MAX_ARG_STRLEN), so
 * `--redact-header` gets 120 KB, `-H` what the test server takes, and `-d @file` the 10 MB body.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { type CliRun, expectNoCrash, parseNdjson, runCli, startCli, tempDir, waitFor } from './harness.js';

const MB10 = 10 * 1024 * 1024;
/** Runs of URL characters: the shape the old redaction regex was quadratic in. */
const big = (mark: string): string => `${mark}${'ab-c.d+e0'.repeat(Math.ceil(MB10 / 9))}`.slice(0, MB10);

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let targetsFile = '';
let jsonLines = '';
let textList = '';
let bodyFile = '';

beforeAll(async () => {
  const huge = JSON.stringify({ a: big('SERVERSTRING') });
  server = await startHttpServer({
    '/big-json': (_req, ctx) => send(ctx.socket, response(200, huge, [['Content-Type', 'application/json']])),
    '/never': () => {},
  });
  tmp = await tempDir();
  const url = `${server.url}/ok`;
  const targets = [
    { url, name: big('NAME') },
    { url, headers: { 'X-Big': big('HEADER'), Cookie: big('COOKIE') } },
    { url, method: 'POST', body: big('BODY') },
    { url: `http://user:${big('PASSWORD')}@127.0.0.1:${server.port}/ok` },
    { url: `${server.url}/${big('PATH')}` },
    { url, expect: { bodyIncludes: big('NEEDLE'), header: { 'content-type': big('CT') } } },
    { url: `${server.url}/big-json`, expect: { json: { '$.a': 1 }, bodyMatches: '^(a+)+$' } },
    { url, [big('KEY')]: 1 },
  ];
  targetsFile = await tmp.file('targets.json', JSON.stringify(targets));
  jsonLines = `${targets.map((t) => JSON.stringify(t)).join('\n')}\n`;
  textList = `${url}\nhttp://user:${big('PASSWORD')}@127.0.0.1:${server.port}/ok\n${server.url}/${big('PATH')}\n${big('JUNK')}\n`;
  bodyFile = await tmp.file('body.bin', big('DATA'));
}, 60_000);
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** Ended by itself (not killed), with a report or a one-line error, never a crash. */
function expectCompleted(run: CliRun, where: string): void {
  expect(run.signal, `${where}: killed`).toBeNull();
  expect([0, 1, 2], `${where}: exit ${run.code}, ${run.stderr.slice(0, 300)}`).toContain(run.code);
  expectNoCrash(run);
}

const slow = { killAfterMs: 90_000, env: { COLUMNS: '200' } };

describe('10 MB strings in every field, every input path (issue 22)', () => {
  it.each([
    ['table', []],
    ['NDJSON', ['--ndjson']],
    ['JSON', ['--json']],
    ['CSV', ['--csv']],
    ['Markdown', ['--markdown']],
  ])(
    'a target file, reported as %s',
    async (label, args) => {
      const run = await runCli([...args, '--max-body-buffer', String(2 * MB10), targetsFile], slow);
      expectCompleted(run, label);
      expect(run.code).toBe(1);
      // Secrets and bodies are not echoed; a 10 MB name or path may be (it is what the user wrote).
      for (const mark of ['COOKIE', 'PASSWORD', 'BODY']) expect(run.stdout.includes(mark), mark).toBe(false);
    },
    120_000,
  );

  it('a target file, reported as JUnit; merge refuses its over-long lines in one line', async () => {
    const junit = join(tmp.dir, 'big.xml');
    const ndjson = await runCli(['--ndjson', '--junit', junit, targetsFile], slow);
    expectCompleted(ndjson, 'junit');
    expect((await readFile(junit, 'utf8')).includes('COOKIE')).toBe(false);
    expect(parseNdjson(ndjson.stdout)).toHaveLength(8);
    // A 10 MB URL is shown whole in input, url and finalUrl: that line is over merge's 8 MiB
    // bound per line (which keeps its memory bounded), and merge says so.
    const resultsFile = await tmp.file('results.ndjson', ndjson.stdout);
    const merged = await runCli(['merge', resultsFile], slow);
    expectCompleted(merged, 'merge');
    expect(merged.code).toBe(2);
    expect(merged.stderr).toMatch(/^fetch-many: merge: .*results\.ndjson line \d+: longer than 8388608 bytes\n$/);
  }, 120_000);

  it('merge: results with 1 MB strings in every field, in every format', async () => {
    const two = (mark: string) => big(mark).slice(0, 1024 * 1024);
    const lines = [0, 1, 2].map((index) =>
      JSON.stringify({
        index,
        input: `http://user:${two('PASSWORD')}@127.0.0.1/${two('IN')}`,
        name: two('NAME'),
        url: `http://127.0.0.1/${two('URL')}`,
        method: 'GET',
        status: 500,
        ok: false,
        bytes: 0,
        timings: { dns: null, connect: 1, tls: null, firstByte: 2, total: 3 },
        reused: false,
        httpVersion: '1.1',
        error: null,
        failures: [`status 500 not in ${two('F')}`],
        attempts: 1,
        redirects: [],
        finalUrl: `http://127.0.0.1/${two('FINAL')}`,
        remoteAddress: '127.0.0.1',
        tls: null,
        decodedBytes: null,
        savedTo: null,
      }),
    );
    const file = await tmp.file('merge.ndjson', `${lines.join('\n')}\n`);
    for (const format of [[], ['--ndjson'], ['--json'], ['--csv'], ['--markdown']]) {
      const merged = await runCli(['merge', ...format, file], slow);
      expectCompleted(merged, `merge ${format.join(' ')}`);
      expect(merged.code, merged.stderr.slice(0, 300)).toBe(1);
      expect(merged.stdout.includes('PASSWORD'), `merge ${format.join(' ')}`).toBe(false);
    }
  }, 120_000);

  it('JSON lines and a text list on stdin', async () => {
    const lines = await runCli(['--ndjson', '-'], { ...slow, stdin: jsonLines });
    expectCompleted(lines, 'JSON lines');
    expect(parseNdjson(lines.stdout)).toHaveLength(8);
    const list = await runCli(['--ndjson', '-'], { ...slow, stdin: textList });
    expectCompleted(list, 'text list');
    expect(parseNdjson(list.stdout)).toHaveLength(4);
    expect(list.stdout.includes('PASSWORD')).toBe(false);
  }, 120_000);

  it('flags: -H and --redact-header with long values, -d @ a 10 MB file, --expect-json and --expect-match on a 10 MB body', async () => {
    // 120 KB for the one that stays in the run (redacted), 30 KB for the one sent: the test
    // server takes a 64 KiB head.
    const value = big('FLAG').slice(0, 120_000);
    const run = await runCli(
      [
        '--ndjson',
        '-H',
        `X-Big: ${value.slice(0, 30_000)}`,
        '--redact-header',
        value.slice(0, 120_000).replace(/[^a-z]/gi, 'x'),
        '-H',
        `Authorization: ${value.slice(0, 30_000)}`,
        '-d',
        `@${bodyFile}`,
        '--max-body-buffer',
        String(2 * MB10),
        '--expect',
        '200-599',
        '--expect-json',
        '$.a=1',
        '--expect-match',
        '^(a+)+$',
        `${server.url}/big-json`,
      ],
      slow,
    );
    expectCompleted(run, 'flags');
    const [result] = parseNdjson(run.stdout);
    expect(result?.failures[0]).toMatch(/^json \$\.a is "SERVERSTRING.*…, not 1$/);
    expect(result?.failures[1]).toBe('body does not match /^(a+)+$/');
    expect(run.stdout.includes('DATA')).toBe(false);
  }, 120_000);
});

describe('SIGTERM while a run is busy with 10 MB fields', () => {
  it('the process is gone within 5 s of the signal', async () => {
    // The huge targets that are valid (each needs a response, so the run has reached the
    // network before any of them is reported), then targets that never answer: the run is
    // mid-way when signalled, whichever of them it is busy with. The cue is the server's first
    // request of this run.
    const never = Array.from({ length: 20 }, (_, i) => ({ url: `${server.url}/never?${i}` }));
    const huge = (JSON.parse(await readFile(targetsFile, 'utf8')) as Record<string, unknown>[]).filter((t) =>
      Object.keys(t).every((k) => k.length < 100),
    );
    const file = await tmp.file('busy.json', JSON.stringify([...huge, ...never]));
    const before = server.received.length;
    const live = startCli(['--ndjson', '-t', '60s', file], { killAfterMs: 90_000 });
    await waitFor(() => server.received.length > before, 'a first request', 60_000);
    const signalledAt = Date.now();
    live.child.kill('SIGTERM');
    const gone = await Promise.race([
      live.done.then((run) => ({ run, ms: Date.now() - signalledAt })),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000).unref()),
    ]);
    if (gone === null) live.child.kill('SIGKILL');
    expect(gone, 'still running 5 s after SIGTERM').not.toBeNull();
    expect(gone?.run.code).toBe(143);
  }, 120_000);
});
