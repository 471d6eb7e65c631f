/**
 * Every runnable example runs as written against the demo server: the files in examples/ and the
 * commands in the README's Examples block. They name the demo's fixed address
 * (http://127.0.0.1:8080, what `fetch-many demo --serve` listens on); here the demo listens on a
 * free port instead, so each example is copied into a scratch folder with that one address
 * replaced, and run there the way a user runs it — `npx fetch-many` resolves to this checkout
 * through the scratch folder's node_modules, as after `npm install`. A bare `fetch-many` is not on
 * the PATH (as after the README's own set-up), so a README example without `npx` fails here.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoServer, startDemoServer } from '../src/demo/server.js';
import { BIN, ROOT } from './cli/harness.js';

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

let demo: DemoServer;
let scratch: string;
let env: NodeJS.ProcessEnv;

const DEMO_ADDRESS = '127.0.0.1:8080';
/** The demo's address as the examples write it: in a URL, or as a target object's `port`. */
const localize = (text: string) =>
  text.replaceAll(DEMO_ADDRESS, `127.0.0.1:${demo.port}`).replace(/(\bport"?\s*:\s*)8080\b/g, `$1${demo.port}`);

function sh(command: string, cwd = scratch, timeout = 30_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', command], { cwd, env, timeout }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The README's Examples code block: one command per line, comments and blank lines dropped. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Examples'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

beforeAll(async () => {
  demo = await startDemoServer();
  scratch = await mkdtemp(join(tmpdir(), 'fetch-many-examples-'));
  // A project that has fetch-many installed: node_modules/fetch-many is this checkout.
  await writeFile(join(scratch, 'package.json'), JSON.stringify({ name: 'user', version: '1.0.0', private: true }));
  await mkdir(join(scratch, 'node_modules', '.bin'), { recursive: true });
  await symlink(ROOT, join(scratch, 'node_modules', 'fetch-many'), 'dir');
  await symlink(BIN, join(scratch, 'node_modules', '.bin', 'fetch-many'));
  // The examples, copied with the demo's address pointing at this run's demo server.
  await mkdir(join(scratch, 'examples'));
  for (const name of await readdir(join(ROOT, 'examples'), { withFileTypes: true })) {
    if (!name.isFile()) continue;
    const text = await readFile(join(ROOT, 'examples', name.name), 'utf8');
    await writeFile(join(scratch, 'examples', name.name), localize(text));
  }
  const inherited: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) inherited[k] = v;
  // No registry: npx must find fetch-many in node_modules, as after `npm install`.
  env = { ...inherited, NO_COLOR: '1', npm_config_offline: 'true' };
}, 30_000);

afterAll(async () => {
  await demo?.close();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

describe('examples/ against the demo', () => {
  it('service.json: every target meets its expectation (exit 0), with a JUnit report', async () => {
    const run = await sh('npx --offline fetch-many examples/service.json --retries 2 --junit smoke-junit.xml');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('6 targets: 6 ok');
    expect(await readFile(join(scratch, 'smoke-junit.xml'), 'utf8')).toContain('tests="6" failures="0" errors="0"');
  });

  it('urls.txt: piped in, every line a result; the one missing page fails the run', async () => {
    const run = await sh('cat examples/urls.txt | npx fetch-many --ndjson');
    expect(run.code, run.stderr).toBe(1);
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; status: number; ok: boolean });
    expect(results.sort((a, b) => a.index - b.index).map((r) => r.status)).toEqual([200, 200, 200, 200, 404]);
  });

  it('library.mjs: imports fetch-many by name and exits 0', async () => {
    const run = await sh('node examples/library.mjs');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(3);
    expect(run.stdout).toMatch(/#2 http:\/\/127\.0\.0\.1:\d+\/slow → 200/);
  });

  it('pipeline.sh: streams the sitemap through fetch-many and lists the failures', async () => {
    await mkdir(join(scratch, 'pipeline-out'));
    const run = await sh('bash examples/pipeline.sh pipeline-out');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('2 failed target(s)');
    const failed = await readFile(join(scratch, 'pipeline-out', 'failed.txt'), 'utf8');
    expect(failed).toMatch(/\/missing 404\n.*\/broken 500\n|\/broken 500\n.*\/missing 404\n/);
    const results = await readFile(join(scratch, 'pipeline-out', 'results.ndjson'), 'utf8');
    expect(results.trim().split('\n')).toHaveLength(5);
  });
});

describe("the README's examples against the demo", () => {
  it('has 6 to 8 commands, covering a list of URLs, a target file, stdin and CI', async () => {
    const commands = await readmeCommands();
    expect(commands.length).toBeGreaterThanOrEqual(6);
    expect(commands.length).toBeLessThanOrEqual(8);
    expect(commands).toContain('npx fetch-many examples/service.json');
    expect(commands.some((c) => /^cat \S+ \| npx fetch-many/.test(c))).toBe(true);
    expect(commands.some((c) => c.includes('--junit'))).toBe(true);
    // After the README's set-up (a clone and npm install) only `npx fetch-many` is a command.
    for (const command of commands) expect(command, command).toMatch(/^(?:cat \S+ \| )?npx fetch-many(?: |$)/);
  });

  it('each command runs as written: exit 0 or 1 (never a usage error), with output', async () => {
    for (const command of await readmeCommands()) {
      const run = await sh(localize(command));
      expect([0, 1], `${command}\n${run.stderr}`).toContain(run.code);
      expect(run.stderr, command).not.toMatch(/^fetch-many: /m);
      expect(run.stdout.length, command).toBeGreaterThan(0);
    }
  }, 60_000);
});
