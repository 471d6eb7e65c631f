/**
 * Bad input. Either the whole run is refused before any request — exit 2 and exactly one line on
 * stderr naming what was wrong, no stack trace — or, when only one target is wrong, that target
 * becomes an `invalid_target` result and every other target still runs.
 */
import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import {
  expectNoCrash,
  expectUsageError,
  parseJsonReport,
  parseNdjson,
  ROOT,
  runCli,
  runOnTty,
  tempDir,
} from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
const ok = (tag: string): string => `${server.url}/ok?t=${tag}`;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** Runs, checks the usage error, and checks no request reached the server. */
async function refused(args: string[], keyword: string | RegExp, stdin?: string | Buffer): Promise<void> {
  const before = server.requests;
  const run = await runCli(args, stdin === undefined ? {} : { stdin });
  expectUsageError(run, keyword);
  expect(server.requests, 'a usage error must stop the run before any request').toBe(before);
}

describe('flags', () => {
  it.each([
    [['--bogus'], 'unknown option'],
    [['-c', '0'], 'concurrency'],
    [['-c', '-5'], 'concurrency'],
    [['-c', 'abc'], 'concurrency'],
    [['-c', '1.5'], 'concurrency'],
    [['--concurrency'], 'concurrency'],
    [['--timeout', 'abc'], 'timeout'],
    [['-t', '-1s'], 'timeout'],
    [['-t', '0'], 'timeout'],
    [['--connect-timeout', '5 parsecs'], 'connect-timeout'],
    [['--per-host', '0'], 'per-host'],
    [['--max-bytes', 'lots'], 'max-bytes'],
    [['-H', 'foo'], 'header'],
    [['-H', ': no name'], 'header'],
    [['-H', 'X-A: a\r\nX-Injected: 1'], 'header'],
    [['--expect', '999x'], 'expect'],
    [['--expect', '700'], 'expect'],
    [['-X', 'GET /'], 'method'],
    [['--json', '--csv'], 'csv'],
    [['--ndjson', '--json'], 'json'],
  ])('%j is a usage error naming %s', async (flags, keyword) => {
    await refused([...flags, ok('flag')], keyword);
  });

  it('--junit into a directory that does not exist is refused before any request', async () => {
    await refused(['--junit', join(tmp.dir, 'no', 'such', 'dir', 'r.xml'), ok('junit')], 'junit');
  });

  it('--junit naming a directory is refused before any request', async () => {
    await refused(['--junit', tmp.dir, ok('junit')], 'junit');
  });
});

describe('--help and --version', () => {
  it('--help all exits 0 and lists every option', async () => {
    const run = await runCli(['--help', 'all']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const flags = [
      '--concurrency',
      '--per-host',
      '--timeout',
      '--connect-timeout',
      '--method',
      '--header',
      '--data',
      '--insecure',
      '--max-bytes',
      '--expect',
      '--ndjson',
      '--json',
      '--csv',
      '--junit',
      '--only-failures',
      '--quiet',
      '--no-progress',
      '--no-color',
      '--version',
      '--help',
    ];
    for (const flag of flags) expect(run.stdout).toContain(flag);
    // And every option the program defines, so a new flag cannot go undocumented.
    const { buildProgram } = await import('../../src/cli/program.js');
    for (const option of buildProgram().options) expect(run.stdout).toContain(option.long ?? option.short ?? '');
    expect(run.stdout).toMatch(/Exit codes/);
  });

  it('--version prints the package.json version', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await runCli([flag]);
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(pkg.version);
      expect(run.stderr).toBe('');
    }
  });
});

describe('files', () => {
  it('a file that does not exist', async () => {
    await refused([join(tmp.dir, 'missing.json')], 'no such file');
    await refused([join(tmp.dir, 'missing.txt')], 'no such file');
  });

  it('a directory given as a target file', async () => {
    const dirJson = join(tmp.dir, 'dir.json');
    const dirTxt = join(tmp.dir, 'dir.txt');
    await mkdir(dirJson, { recursive: true });
    await mkdir(dirTxt, { recursive: true });
    await refused([dirJson], 'directory');
    await refused([dirTxt], 'directory');
  });

  it('JSON that is not JSON, with line:column', async () => {
    const file = await tmp.file('broken.json', '[\n  "http://127.0.0.1:1/",\n  oops\n]\n');
    await refused([file], /broken\.json:3:3\b/);
  });

  it('JSON that is not JSON on stdin, with line:column', async () => {
    await refused(['-'], /stdin:2:\d+/, `[\n  "${ok('x')}", }\n]`);
  });

  it.each([
    ['a number', '42', 'expected an array'],
    ['an object without targets', '{"x": 1}', 'unknown key'],
    ['targets not an array', '{"targets": "http://x/"}', 'targets'],
    ['defaults not an object', '{"defaults": 3, "targets": []}', 'defaults'],
  ])('a JSON document of the wrong shape: %s', async (_what, text, keyword) => {
    const file = await tmp.file(`shape-${keyword.replace(/\W/g, '')}.json`, text);
    await refused([file], keyword);
  });

  it('an empty JSON array is "no targets"', async () => {
    const file = await tmp.file('empty.json', '[]');
    await refused([file], 'no targets');
  });
});

describe('stdin', () => {
  it('empty stdin is "no targets"', async () => {
    await refused(['-'], 'no targets', '');
    await refused([], 'no targets', '');
  });

  it('stdin with only blank lines and comments is "no targets"', async () => {
    await refused([], 'no targets', '\n  \n# nothing here\r\n\n');
  });

  it('no arguments and stdin closed (/dev/null) is "no targets"', async () => {
    await refused([], 'no targets');
  });

  it('`-` twice is refused', async () => {
    await refused(['-', '-'], 'stdin', 'http://127.0.0.1:1/\n');
  });

  it('no arguments and stdin a terminal: a usage error instead of waiting for typing', async () => {
    const { code, output } = await runOnTty([]);
    expect(code).toBe(2);
    const lines = output.trim().split(/\r?\n/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^fetch-many: no targets/);
  });

  it('binary garbage becomes invalid targets, without a crash', async () => {
    // Deterministic garbage; every line holds a NUL so no line can be a host name we would resolve.
    let seed = 7;
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      bytes[i] = seed >>> 24;
    }
    bytes[0] = 0xff; // not `[`, `{` or `"`: the line format
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) bytes[Math.max(i - 1, 0)] = 0;
    bytes[bytes.length - 1] = 0;
    const run = await runCli(['--ndjson'], {
      stdin: Buffer.concat([bytes, Buffer.from(`\n${ok('after-garbage')}\n`)]),
    });
    expect(run.code).toBe(1);
    expectNoCrash(run);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.length).toBeGreaterThan(1);
    expect(results.slice(0, -1).every((r) => r.error?.code === 'invalid_target')).toBe(true);
    expect(results.at(-1)?.ok).toBe(true);
  });

  it('a 10 MB single line becomes one invalid target, and the next line still runs', async () => {
    const huge = `http://127.0.0.1:${server.port}/${'a'.repeat(10 * 1024 * 1024)}`;
    const run = await runCli(['--ndjson'], { stdin: `${huge}\n${ok('after-huge')}\n` });
    expect(run.code).toBe(1);
    expectNoCrash(run);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results).toHaveLength(2);
    expect(results[0]?.error?.code).toBe('invalid_target');
    expect(results[0]?.input.length).toBeLessThan(1000); // not echoed back whole
    expect(results[1]?.ok).toBe(true);
  });

  it('a malformed JSON line among JSON lines is one invalid target', async () => {
    const stdin = `{"url": "${ok('jl-a')}"}\n{"url": oops}\n{"url": "${ok('jl-b')}"}\n`;
    const run = await runCli(['--json'], { stdin });
    expect(run.code).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'invalid_target', 'ok']);
    expect(results[1]?.error?.message).toMatch(/line 2/);
  });
});

describe('one bad target among good ones', () => {
  it('a wrong-typed field makes that target invalid_target; the others run', async () => {
    const targets = [
      ok('typed-0'),
      { url: ok('typed-1'), timeout: [1] },
      { url: 5 },
      { url: ok('typed-3'), headers: 'X: y' },
      { url: ok('typed-4'), method: 5 },
      { url: ok('typed-5'), expect: { status: 'lots' } },
      7,
      ok('typed-7'),
    ];
    const file = await tmp.file('typed.json', JSON.stringify(targets));
    const run = await runCli(['--json', file]);
    expect(run.code).toBe(1);
    expectNoCrash(run);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual([
      'ok',
      'invalid_target',
      'invalid_target',
      'invalid_target',
      'invalid_target',
      'invalid_target',
      'invalid_target',
      'ok',
    ]);
    // Each message names the field that was wrong.
    expect(results[1]?.error?.message).toContain('timeout');
    expect(results[2]?.error?.message).toContain('url');
    expect(results[3]?.error?.message).toContain('headers');
    expect(results[4]?.error?.message).toContain('method');
    for (const tag of ['typed-1', 'typed-3', 'typed-4', 'typed-5']) {
      expect(server.received.some((r) => r.target === `/ok?t=${tag}`)).toBe(false);
    }
  });

  it('a URL with CR/LF or a space is invalid_target, and nothing is injected', async () => {
    const bad = [
      `${server.url}/ok?t=crlf\r\nX-Injected: 1`,
      `${server.url}/ok?t=lf\nX-Injected: 1`,
      `${server.url}/ok?t=has space`,
    ];
    const run = await runCli(['--json', ok('crlf-good'), ...bad]);
    expect(run.code).toBe(1);
    expectNoCrash(run);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual([
      'ok',
      'invalid_target',
      'invalid_target',
      'invalid_target',
    ]);
    expect(server.received.some((r) => r.header('x-injected') !== undefined)).toBe(false);
  });

  it('a URL with CR/LF in a JSON target is invalid_target too', async () => {
    const file = await tmp.file(
      'crlf.json',
      JSON.stringify([{ url: `${server.url}/ok\r\nX-Injected: 1` }, ok('crlf-json')]),
    );
    const run = await runCli(['--json', file]);
    expect(run.code).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['invalid_target', 'ok']);
  });

  it('a header with CR/LF in a JSON target is invalid_target', async () => {
    const file = await tmp.file(
      'hdr.json',
      JSON.stringify([{ url: ok('hdr-bad'), headers: { 'X-A': 'v\r\nX-Injected: 1' } }, ok('hdr-good')]),
    );
    const run = await runCli(['--json', file]);
    expect(run.code).toBe(1);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['invalid_target', 'ok']);
    expect(server.received.some((r) => r.header('x-injected') !== undefined)).toBe(false);
  });
});
