/**
 * Issue 12, items 5–7: target input built to hurt — nesting deep enough to overflow any
 * recursive walk, a broken or enormous first line, a document too big to hold, a stdin that
 * breaks mid-run or is a directory. Each ends as one invalid_target row or one clear line; the
 * other targets run and every report closes.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseXml } from '../report/xml-reader.js';
import {
  BIN,
  type CliRun,
  expectNoCrash,
  expectUsageError,
  parseJsonReport,
  parseNdjson,
  ROOT,
  runCli,
  startCli,
  tempDir,
  waitFor,
} from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const deepArray = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('deep nesting (item 5)', () => {
  it('a 100k-deep target in a .json file is one invalid_target row naming where; the others run', async () => {
    const path = await tmp.file(
      'deep.json',
      `["${server.url}/ok?a", ${deepArray(100_000)}, {"url": "${server.url}/ok?b", "headers": ${deepArray(100_000)}}, "${server.url}/ok?c"]`,
    );
    const run = await runCli(['--ndjson', path]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout).sort((x, y) => x.index - y.index);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'invalid_target', 'invalid_target', 'ok']);
    expect(results[1]?.error?.message).toMatch(
      new RegExp(
        `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: target 2 nested deeper than 32 levels \\(at \\$\\[1\\]\\[0\\]`,
      ),
    );
    expect(results[2]?.error?.message).toMatch(/: target 3 nested deeper than 32 levels \(at \$\[2\]\.headers\[0\]/);
    // What the row shows of the input is short, whatever the input.
    expect(results[1]?.input.length).toBeLessThan(100);
  });

  it('a 100k-deep document (the targets array itself) is one invalid row, not a crash', async () => {
    const path = await tmp.file('deep-doc.json', deepArray(100_000));
    const run = await runCli(['--json', path]);
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    expect(parseJsonReport(run.stdout).results.map((r) => r.error?.code)).toEqual(['invalid_target']);
  });

  it('deep "defaults" are a usage error naming them', async () => {
    const path = await tmp.file('deep-defaults.json', `{"defaults": {"headers": ${deepArray(50_000)}}, "targets": []}`);
    expectUsageError(await runCli([path]), /deep-defaults\.json: "defaults" nested deeper than 32 levels/);
  });

  it('a deep JSON line on stdin is one invalid row; the others run', async () => {
    const stdin = `{"url": "${server.url}/ok", "expect": ${deepArray(30_000)}}\n"${server.url}/ok?after"\n`;
    const run = await runCli(['--ndjson'], { stdin });
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout).sort((x, y) => x.index - y.index);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['invalid_target', 'ok']);
    expect(results[0]?.error?.message).toMatch(/^stdin line 1: nested deeper than 32 levels \(at \$\.expect\[0\]/);
  });
});

describe('stdin first line and size (item 6)', () => {
  it('a malformed first JSON line is an invalid_target row; the lines after it run (exit 1)', async () => {
    const stdin = `{"url": broken}\n{"url": "${server.url}/ok?1"}\n"${server.url}/ok?2"\n`;
    const run = await runCli(['--json'], { stdin });
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => [r.input, r.error?.code ?? 'ok'])).toEqual([
      ['{"url": broken}', 'invalid_target'],
      [`{"url":"${server.url}/ok?1"}`, 'ok'],
      [`${server.url}/ok?2`, 'ok'],
    ]);
    expect(doc.results[0]?.error?.message).toBe(
      'stdin line 1: invalid JSON at column 9: unexpected "b", expected a value',
    );
  });

  it('a 40 MiB first line is one invalid row (over 64 KiB); the next line runs', async () => {
    const stdin = Buffer.concat([
      Buffer.from('{"url": "'),
      Buffer.alloc(40 * 1024 * 1024, 'a'),
      Buffer.from(`"}\n"${server.url}/ok?after-big"\n`),
    ]);
    const run = await runCli(['--ndjson'], { stdin });
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(1);
    const results = parseNdjson(run.stdout).sort((x, y) => x.index - y.index);
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(['invalid_target', 'ok']);
    expect(results[0]?.error?.message).toBe('stdin line 1 longer than 65536 bytes');
  });

  it('a JSON array on stdin over 128 MiB is refused with one line (exit 2), before holding it', async () => {
    const cli = startCli(['--json'], { openStdin: true, killAfterMs: 30_000 });
    const mib = Buffer.alloc(1024 * 1024, ' ');
    let exited = false;
    cli.child.once('exit', () => {
      exited = true;
    });
    cli.child.stdin.write('[');
    // Written with backpressure, at most 200 MiB: the CLI must give up at 128.
    for (let i = 0; i < 200 && !exited; i++) {
      if (!cli.child.stdin.write(mib)) {
        await new Promise<void>((resolve) => {
          const done = () => resolve();
          cli.child.stdin.once('drain', done);
          cli.child.once('exit', done);
        });
      }
    }
    cli.child.stdin.destroy();
    const run = await cli.done;
    expectUsageError(run, /^fetch-many: stdin: JSON document larger than 128 MiB \(put one target per line/);
  });
});

/** Runs the CLI with fd 0 set to `stdin` (a socket or a file descriptor), as a shell would. */
function runWithStdin(args: string[], stdin: Socket | number): { done: Promise<CliRun>; stdout(): string } {
  const env = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'FETCH_MANY_DEBUG', 'NODE_OPTIONS']) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: [stdin, 'pipe', 'pipe'],
  }) as ReturnType<typeof spawn> & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const done = new Promise<CliRun>((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
  });
  return { done, stdout: () => Buffer.concat(out).toString() };
}

describe('stdin that breaks (item 7)', () => {
  it('stdin a socket reset mid-run: one line naming the read error, every report closed, exit 2', async () => {
    // The CLI's stdin is a TCP connection to this server, which sends targets, then RST.
    let peer: Socket | undefined;
    const feeder: Server = createServer((socket) => {
      peer = socket;
    });
    await new Promise<void>((resolve) => feeder.listen(0, '127.0.0.1', resolve));
    const address = feeder.address() as { port: number };
    const ours = connect(address.port, '127.0.0.1');
    await new Promise<void>((resolve) => ours.once('connect', resolve));
    ours.pause();
    const path = `${tmp.dir}/reset.xml`;
    const cli = runWithStdin(['--json', '--junit', path], ours);
    // The child has its own copy of the descriptor; ours must not read from it.
    ours.destroy();
    await waitFor(() => peer !== undefined, 'the connection');
    peer?.write(`${server.url}/ok?r1\n${server.url}/ok?r2\n${server.url}/ok?r3\n`);
    await waitFor(() => cli.stdout().includes('?r3'), 'the third result');
    peer?.resetAndDestroy();
    const run = await cli.done;
    feeder.close();
    expectNoCrash(run);
    expect(run.code, run.stderr).toBe(2);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe('fetch-many: stdin: read error after 3 lines: connection reset (ECONNRESET)');
    const doc = parseJsonReport(run.stdout);
    expect(doc.results.map((r) => r.error?.code ?? 'ok')).toEqual(['ok', 'ok', 'ok']);
    const root = parseXml(await readFile(path, 'utf8'));
    expect(root.attrs.tests).toBe('3');
  });

  it('stdin a directory (`< /`) names it instead of "no targets"', async () => {
    const fd = openSync('/', 'r');
    try {
      expectUsageError(await runWithStdin(['--json'], fd).done, 'cannot read stdin: is a directory');
    } finally {
      closeSync(fd);
    }
  });
});
