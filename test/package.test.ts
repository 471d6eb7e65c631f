/**
 * The package as a user gets it: `npm pack`, install the tarball into an empty project, run the
 * installed `fetch-many` bin. Catches a missing `files` entry, a bin without its shebang or
 * execute bit, a runtime import of a devDependency, and a tarball that ships src/ or test/.
 *
 * `npm pack --ignore-scripts` packs the dist/ already built (`npm test` builds first): running
 * `prepare` here would rewrite dist/ under the other test files that are executing it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from './helpers/servers.js';
import { ROOT } from './cli/harness.js';

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

/** npm's own `npm_*` variables (set when this runs under `npm test`) must not steer the inner npm. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

/** Asynchronous on purpose: the test server answers from this process's event loop. */
function run(cmd: string, args: string[], cwd: string, timeout = 45_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(), timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let work: string;
let server: TestServer;
let tarball: string;
let files: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fetch-many-pack-'));
  server = await startHttpServer();
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  expect(packed.code, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  tarball = join(work, info!.filename);
  const listing = await run('tar', ['-tzf', tarball], work);
  expect(listing.code, listing.stderr).toBe(0);
  files = listing.stdout.split('\n').filter((f) => f !== '');
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('npm package', () => {
  it('contains bin/, dist/ and README.md, and no src/ or test/', () => {
    const inPackage = files.map((f) => f.replace(/^package\//, ''));
    expect(inPackage).toContain('package.json');
    expect(inPackage).toContain('bin/fetch-many.js');
    expect(inPackage).toContain('dist/cli/main.js');
    expect(inPackage).toContain('dist/index.js');
    expect(inPackage).toContain('dist/index.d.ts');
    expect(inPackage).toContain('README.md');
    expect(inPackage.filter((f) => /^(src|test|bench)\//.test(f))).toEqual([]);
    expect(inPackage.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs into an empty project and its bin runs: --version and one fetch', async () => {
    const project = join(work, 'project');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    const install = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball],
      project,
      55_000,
    );
    expect(install.code, install.stderr).toBe(0);

    const bin = join(project, 'node_modules', '.bin', 'fetch-many');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await run(bin, ['--version'], project);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);

    const fetched = await run(bin, ['--ndjson', `${server.url}/ok?t=installed`], project);
    expect(fetched.code, fetched.stderr).toBe(0);
    const result = JSON.parse(fetched.stdout.trim()) as { status: number; ok: boolean };
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(server.received.some((r) => r.target === '/ok?t=installed')).toBe(true);
  }, 60_000);
});
