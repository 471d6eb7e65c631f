/**
 * `fetch-many demo` and `npm run demo`: the contributor's first command, and the server every
 * example runs against. Run as a user runs them, as child processes of the built CLI.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_ROUTES } from '../src/demo/server.js';
import { BIN, ROOT, parseNdjson } from './cli/harness.js';

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], timeout = 20_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile('node', args, { cwd: ROOT, timeout, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Resolves with everything printed once `text` has appeared on the child's stdout. */
function waitFor(child: ChildProcessWithoutNullStreams, text: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${text}; got ${out}`)), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (text.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', () => reject(new Error(`exited before ${text}; got ${out}`)));
  });
}

describe('fetch-many demo --serve', () => {
  it('lists every route on loopback, answers them, and stops on Ctrl-C (SIGINT) with exit code 130', async () => {
    const child = spawn('node', [BIN, 'demo', '--serve', '--port', '0'], { cwd: ROOT });
    let all = '';
    child.stdout.on('data', (chunk: Buffer) => {
      all += chunk.toString();
    });
    const stdout = () => all;
    try {
      const listing = await waitFor(child, /\/\s+302 to \/health\n/);
      const base = /serving on (http:\/\/127\.0\.0\.1:\d+) until Ctrl-C/.exec(listing)?.[1];
      expect(base).toBeDefined();
      for (const route of DEMO_ROUTES) expect(listing).toContain(`${base}${route.path} `);

      const fetched = await run([BIN, '--ndjson', '--timeout', '2s', `${base}/health`, `${base}/old`, `${base}/hang`]);
      const results = parseNdjson(fetched.stdout).sort((a, b) => a.index - b.index);
      expect(results.map((r) => r.status ?? r.error?.code)).toEqual([200, 301, 'timeout']);

      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      // 130, as for any run ended by Ctrl-C; the demo says it stopped.
      expect(await exited).toBe(130);
      expect(stdout()).toContain('fetch-many demo: stopped\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('says in one line when the port is taken, and exits 2', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const got = await run([BIN, 'demo', '--serve', '--port', String(port)]);
      expect(got.code).toBe(2);
      expect(got.stderr).toBe(
        `fetch-many demo: port ${port} on 127.0.0.1 is in use; stop what listens there, or pick another with --port (0: any free port)\n`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it.each([
    [['--port', '70000'], '--port must be a whole number from 0 to 65535, got "70000"'],
    [['--port'], '--port must be a whole number from 0 to 65535, got ""'],
    [['--verbose'], 'with --serve, only --port is accepted, got "--verbose" (see --help)'],
  ])('refuses %j with exit 2', async (extra, message) => {
    const got = await run([BIN, 'demo', '--serve', ...extra]);
    expect(got.code).toBe(2);
    expect(got.stderr).toBe(`fetch-many demo: ${message}\n`);
  });
});

describe('fetch-many demo (and npm run demo)', () => {
  it('runs fetch-many over the demo targets, passing options on, and exits 0 though targets fail', async () => {
    // `npm run demo` is exactly `fetch-many demo` (the package script runs the bin), so one entry
    // point covers both. --timeout 3s (the demo's own is 2s) shows options are passed on, and
    // leaves /slow (400 ms) room on a loaded machine.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('node bin/fetch-many.js demo');
    const runs = [await run([BIN, 'demo', '--ndjson', '--timeout', '3s'])];
    for (const got of runs) {
      expect(got.code, got.stderr).toBe(0);
      expect(got.stderr).toContain('--timeout 2s --ndjson --timeout 3s');
      const results = parseNdjson(got.stdout).sort((a, b) => a.index - b.index);
      expect(results.map((r) => r.status ?? r.error?.code)).toEqual([
        200,
        404,
        500,
        200,
        200,
        'timeout',
        'refused',
        302,
        'invalid_target',
      ]);
      expect(results[5]?.error?.message).toContain('within 3000 ms');
      expect(got.stderr).toMatch(/demo: fetch-many exited with 1 — some targets failed/);
    }
  });

  it('prints its usage for --help', async () => {
    const got = await run([BIN, 'demo', '--help']);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^Usage: fetch-many demo/);
  });
});
