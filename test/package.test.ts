/**
 * The package as a user gets it: `npm pack`, then install the tarball into an empty project the
 * way the README says, with no network and an empty npm cache, and run what was installed.
 * Catches a missing `files` entry, a bin without its shebang or execute bit, a runtime import of a
 * devDependency, a consumer-side build or install script, and a tarball that ships src/ or test/.
 *
 * Offline with an empty cache works because chalk, commander and re2js are bundled in the tarball
 * (bundleDependencies). Without that, npm 11 fetches the full registry document of each
 * dependency to resolve its range — which `npm ci` never caches — so even a warm cache would not
 * do.
 *
 * `npm pack --ignore-scripts` packs the dist/ already built (`npm test` builds first): running
 * `prepack` here would rewrite dist/ under the other test files that are executing it. The rest of
 * what prepack and postpack do — `scripts/pack-manifest.mjs strip` and `restore`, which leave
 * `prepare` out of the packed package.json — is run around it by hand (each write a rename, so the
 * other test files never read half a package.json; none of them reads `prepare`).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli/harness.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

interface Manifest {
  version: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  bundleDependencies: string[];
  files: string[];
  exports: Record<string, unknown>;
}

/** npm's own `npm_*` variables (set when this runs under `npm test`) must not steer the inner npm. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** Asynchronous on purpose: the test server answers from this process's event loop. */
function run(cmd: string, args: string[], cwd: string, timeout = 45_000, env?: NodeJS.ProcessEnv): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: cleanEnv(env), timeout, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

let work: string;
let cache: string;
let server: TestServer;
let tarball: string;
let files: string[];
let manifest: Manifest;
/** package.json as it was before packing, to check that packing put it back byte for byte. */
let original: string;

/** Flags that keep an npm run off the network and away from the user's own npm cache. */
const offline = () => ['--offline', '--cache', cache, '--no-audit', '--no-fund', '--ignore-scripts'];

async function emptyProject(name: string): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fetch-many-pack-'));
  cache = join(work, 'empty-npm-cache');
  await mkdir(cache);
  server = await startHttpServer();
  original = await readFile(join(ROOT, 'package.json'), 'utf8');
  manifest = JSON.parse(original) as Manifest;
  const strip = await run('node', ['scripts/pack-manifest.mjs', 'strip'], ROOT);
  expect(strip.code, strip.stderr).toBe(0);
  let packed: Exec;
  try {
    packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
  } finally {
    await run('node', ['scripts/pack-manifest.mjs', 'restore'], ROOT);
  }
  expect(packed.code, packed.stderr).toBe(0);
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
  tarball = join(work, info!.filename);
  const listing = await run('tar', ['-tzf', tarball], work);
  expect(listing.code, listing.stderr).toBe(0);
  files = listing.stdout
    .split('\n')
    .filter((f) => f !== '')
    .map((f) => f.replace(/^package\//, ''));
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('npm package', () => {
  it('contains bin/, dist/, schema/, docs/ and README.md, and no src/, test/ or source maps', () => {
    expect(files).toContain('package.json');
    expect(files).toContain('bin/fetch-many.js');
    expect(files).toContain('bin/cli-loader.js');
    expect(files).toContain('dist/fetch-many.bundle.cjs');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('schema/targets.schema.json');
    expect(files).toContain('docs/targets.md');
    expect(files).toContain('README.md');
    expect(files.filter((f) => /^(src|test|bench|examples|scripts)\//.test(f))).toEqual([]);
    // Bundled dependencies (node_modules/) ship as their authors published them, sources and maps
    // included (entities, under htmlparser2 and markdown-it, ships its src/*.ts); ours must not.
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    expect(own.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    // The maps point into src/, which is not shipped.
    expect(own.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('bundles every runtime dependency, and gives consumers no script to run on install', () => {
    expect([...manifest.bundleDependencies].sort()).toEqual(Object.keys(manifest.dependencies).sort());
    for (const dep of Object.keys(manifest.dependencies)) {
      expect(files).toContain(`node_modules/${dep}/package.json`);
    }
    // npm runs these on a consumer's install of a tarball or registry package; `prepare` it does
    // not (only for git dependencies and the project's own install), `prepack` only when packing.
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts[hook]).toBeUndefined();
    expect(manifest.scripts.prepack).toBe('npm run build && node scripts/pack-manifest.mjs strip');
    expect(manifest.scripts.postpack).toBe('node scripts/pack-manifest.mjs restore');
    // The repository keeps `prepare` (a git install builds with it); the tarball has none, so npm 11
    // has no install script to warn about (issue 23).
    expect(manifest.scripts.prepare).toBe('npm run build');
    expect(manifest.exports['./schema/targets.schema.json']).toBe('./schema/targets.schema.json');
  });

  it('packs a package.json without prepare, and leaves the repository one as it was', async () => {
    const inside = await run('tar', ['-xzOf', tarball, 'package/package.json'], work);
    const packed = JSON.parse(inside.stdout) as Manifest;
    expect(Object.keys(packed.scripts).filter((k) => /^(pre|post)?(install|prepare)$/.test(k))).toEqual([]);
    expect(packed.version).toBe(manifest.version);
    expect(await readFile(join(ROOT, 'package.json'), 'utf8')).toBe(original);
  });

  it('installs offline from an empty cache with scripts allowed, and npm has no install script to warn about', async () => {
    const project = await emptyProject('no-warning');
    const flags = offline().filter((f) => f !== '--ignore-scripts');
    const install = await run('npm', ['install', ...flags, tarball], project, 55_000);
    expect(install.code, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/install-scripts|allowScripts|prepare/);
  }, 60_000);

  it('installs with --ignore-scripts, offline, from an empty npm cache; `npx fetch-many` then works', async () => {
    const project = await emptyProject('consumer');
    const install = await run('npm', ['install', ...offline(), tarball], project, 55_000);
    expect(install.code, install.stderr).toBe(0);

    const version = await run('npx', ['--offline', '--cache', cache, 'fetch-many', '--version'], project);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);

    const bin = join(project, 'node_modules', '.bin', 'fetch-many');
    const fetched = await run(bin, ['--ndjson', `${server.url}/ok?t=installed`], project);
    expect(fetched.code, fetched.stderr).toBe(0);
    const result = JSON.parse(fetched.stdout.trim()) as { status: number; ok: boolean };
    expect(result).toMatchObject({ status: 200, ok: true });
    expect(server.received.some((r) => r.target === '/ok?t=installed')).toBe(true);

    // The library and the schema resolve by package name, as a consumer imports them.
    const probe = await run(
      'node',
      [
        '--input-type=module',
        '-e',
        `import { fetchMany } from 'fetch-many';
         import { createRequire } from 'node:module';
         const schema = createRequire(import.meta.url)('fetch-many/schema/targets.schema.json');
         let status = null;
         for await (const r of fetchMany([${JSON.stringify(`${server.url}/ok?t=library`)}])) status = r.status;
         console.log(typeof fetchMany, schema.title, status);`,
      ],
      project,
    );
    expect(probe.code, probe.stderr).toBe(0);
    expect(probe.stdout.trim()).toBe('function fetch-many target file 200');
  }, 60_000);

  it('runs straight from the tarball with `npx --package ./fetch-many-x.y.z.tgz fetch-many`', async () => {
    const project = await emptyProject('npx-only');
    const name = tarball.slice(work.length + 1);
    const ran = await run(
      'npx',
      [
        '--offline',
        '--cache',
        cache,
        '--yes',
        '--package',
        `../${name}`,
        'fetch-many',
        '--ndjson',
        `${server.url}/ok?t=npx`,
      ],
      project,
      55_000,
    );
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout.trim())).toMatchObject({ status: 200, ok: true });
    expect(server.received.some((r) => r.target === '/ok?t=npx')).toBe(true);
  }, 60_000);
});
