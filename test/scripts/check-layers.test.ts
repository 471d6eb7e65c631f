import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/harness.js';

const run = promisify(execFile);
const SCRIPT = join(ROOT, 'scripts', 'check-layers.mjs');

/** Runs the check on `root`; resolves with its exit code and stderr whatever the code. */
async function check(root?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT, ...(root ? ['--root', root] : [])]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'layers-'));
  const src = join(dir, 'src');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, name)), { recursive: true });
    writeFileSync(join(src, name), text);
  }
  return src;
}

describe('scripts/check-layers.mjs (the folder order of src/)', () => {
  it('passes on this repository', async () => {
    const got = await check();
    expect(got.stderr).toBe('');
    expect(got.code).toBe(0);
  });

  it('passes imports that point down the table, leaves included', async () => {
    const src = tree({
      'cli/main.ts': "import { run } from '../engine/run.js';\nimport type { Target } from '../types.js';\n",
      'engine/run.ts': "import { read } from '../targets/read.js';\nexport const run = read;\n",
      'targets/read.ts': "import { x } from '../errors.js';\nexport const read = x;\n",
      'errors.ts': "import type { T } from './types.js';\nexport const x = 1;\n",
      'types.ts': 'export type Target = {};\n',
    });
    expect((await check(src)).code).toBe(0);
  });

  it('fails a deliberate back-import with the rule it breaks, type-only and dynamic ones too', async () => {
    const src = tree({
      'engine/run.ts': 'export const run = 1;\n',
      'targets/read.ts': "import type { run } from '../engine/run.js';\n",
      'report/table.ts': "export const t = () => import('../cli/main.js');\n",
      'cli/main.ts': 'export const main = 1;\n',
    });
    const got = await check(src);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain("src/targets/read.ts imports ../engine/run.js: 'targets' may not import 'engine'");
    expect(got.stderr).toContain("src/report/table.ts imports ../cli/main.js: 'report' may not import 'cli'");
    expect(got.stderr).toContain('2 violation(s)');
  });

  it('lets targets, config and engine use expect, and fails expect leaning back on them', async () => {
    const ok = tree({
      'engine/exchange.ts': "import { checkHead } from '../expect/check.js';\n",
      'targets/normalize.ts': "import { buildExpectation } from '../expect/parse.js';\n",
      'config/run-config.ts': "import { readExpectation } from '../expect/parse.js';\n",
      'expect/check.ts': "import { quote } from '../describe.js';\nexport const checkHead = quote;\n",
      'expect/parse.ts': 'export const buildExpectation = 1;\nexport const readExpectation = 1;\n',
      'describe.ts': 'export const quote = 1;\n',
    });
    expect((await check(ok)).code).toBe(0);
    rmSync(dirname(ok), { recursive: true, force: true }); // tree() keeps only the last for afterEach
    const back = tree({
      'expect/parse.ts': "import type { TargetDefaults } from '../targets/layers.js';\n",
      'targets/layers.ts': 'export type TargetDefaults = {};\n',
    });
    const got = await check(back);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain("src/expect/parse.ts imports ../targets/layers.js: 'expect' may not import 'targets'");
  });

  it('fails a leaf that imports a part, and a part with no row in the table', async () => {
    const src = tree({
      'types.ts': "import type { X } from './engine/x.js';\n",
      'engine/x.ts': 'export type X = 1;\n',
      'widgets/w.ts': 'export const w = 1;\n',
    });
    const got = await check(src);
    expect(got.code).toBe(1);
    expect(got.stderr).toContain("leaf 'types' imports only other leaves, not 'engine'");
    expect(got.stderr).toContain("'widgets' has no row in the layer table");
  });
});
