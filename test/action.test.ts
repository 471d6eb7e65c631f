/**
 * action.yml (the composite GitHub Action) and the workflow template that uses it: parsed with a
 * YAML library and checked for consistency (every input used, every output written, the install
 * step in the action's own checkout), and the action's run step executed here with bash, the way
 * a runner does — GITHUB_OUTPUT, GITHUB_ACTION_PATH and the inputs as environment variables —
 * against a loopback server. The install step is not run: `npm ci` in this checkout would replace
 * node_modules and dist/ under the other test files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './cli/harness.js';
import { startHttpServer, type TestServer } from './helpers/servers.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  'working-directory'?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
  if?: string;
}

interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const actionText = await readFile(join(ROOT, 'action.yml'), 'utf8');
const action = parse(actionText) as Action;
const workflowText = await readFile(join(ROOT, 'examples', 'github-actions', 'smoke.yml'), 'utf8');
const workflow = parse(workflowText) as { jobs: Record<string, { steps: Step[] }> };

/** The `${{ … }}` expressions in a string, trimmed. */
function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map((m) => m[1]!);
}

const runStep = action.runs.steps.find((s) => s.id === 'run')!;

let server: TestServer;
let work: string;

beforeAll(async () => {
  server = await startHttpServer();
  work = await mkdtemp(join(tmpdir(), 'fetch-many-action-'));
});

afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface StepRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

let runs = 0;

/** Runs the action's run step as a runner would, with these inputs (defaults filled in). */
async function runTheStep(inputs: Record<string, string>): Promise<StepRun> {
  const workspace = join(work, `ws-${runs++}`);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(workspace);
  const outputFile = join(workspace, '.github-output');
  await writeFile(outputFile, '');
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs)) values[name] = inputs[name] ?? spec.default ?? '';
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [key, value] of Object.entries(runStep.env ?? {})) {
    // Only `${{ inputs.NAME }}` is used in the step's env; anything else would need a runner.
    env[key] = value.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_m, name: string) => values[name] ?? '');
  }
  Object.assign(env, {
    GITHUB_OUTPUT: outputFile,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_WORKSPACE: workspace,
  });
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      ['--noprofile', '--norc', '-e', '-o', 'pipefail', '-c', runStep.run!],
      { cwd: workspace, env, timeout: 30_000 },
      (err, out, errOut) => {
        const c = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code: c, stdout: String(out), stderr: String(errOut) });
      },
    );
  });
  const outputs: Record<string, string> = {};
  for (const line of (await readFile(outputFile, 'utf8')).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { code, stdout, stderr, outputs };
}

describe('action.yml', () => {
  it('is a composite action whose steps all name their shell', () => {
    expect(action.name).toBe('fetch-many');
    expect(action.runs.using).toBe('composite');
    for (const step of action.runs.steps) {
      if (step.run !== undefined) expect(step.shell, step.name).toBe('bash');
    }
    const ids = action.runs.steps.flatMap((s) => (s.id === undefined ? [] : [s.id]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('installs and builds in its own checkout, not from the registry', () => {
    const install = action.runs.steps[0]!;
    expect(install['working-directory']).toBe(`\${{ github.action_path }}`);
    expect(install.run).toMatch(/^npm ci\b/m);
    expect(install.run).toMatch(/^npm run build$/m);
    expect(runStep.run).toContain('"$GITHUB_ACTION_PATH/bin/fetch-many.js"');
  });

  it('uses every input it declares, declares every input it uses, and never pastes one into a script', () => {
    const used = new Set<string>();
    for (const step of action.runs.steps) {
      const texts = [step.run ?? '', step['working-directory'] ?? '', ...Object.values(step.env ?? {})];
      for (const text of texts) {
        for (const expr of expressions(text)) {
          const input = /^inputs\.([\w-]+)$/.exec(expr);
          if (input !== null) used.add(input[1]!);
          else expect(expr, `unexpected expression in ${step.name}`).toBe('github.action_path');
        }
      }
      // Inputs in a run script would be pasted into the shell text before bash sees it.
      expect(expressions(step.run ?? '').filter((e) => e.startsWith('inputs.'))).toEqual([]);
    }
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
    expect(action.inputs.targets?.required).toBe(true);
  });

  it('maps every output to a value the run step writes to $GITHUB_OUTPUT', () => {
    for (const [name, output] of Object.entries(action.outputs)) {
      expect(output.value).toBe(`\${{ steps.run.outputs.${name} }}`);
      expect(runStep.run).toContain(`echo "${name}=`);
    }
    expect(Object.keys(action.outputs)).toContain('junit');
  });

  it('runs fetch-many over the targets, passes args word by word, and writes the JUnit report', async () => {
    const list = join(work, 'targets.txt');
    await writeFile(list, `${server.url}/ok?t=file\n`);
    const step = await runTheStep({
      targets: `${list}\n  ${server.url}/status/204?t=url`,
      args: `-H "X-Quoted: two words" --timeout 5s`,
      junit: 'reports/deep/junit.xml',
    });
    expect(step.code, step.stderr).toBe(0);
    expect(step.outputs).toEqual({ junit: 'reports/deep/junit.xml', 'exit-code': '0' });
    const junitPath = join(work, `ws-${runs - 1}`, 'reports', 'deep', 'junit.xml');
    const junit = await readFile(junitPath, 'utf8');
    expect(junit).toContain('tests="2"');
    const seen = server.received.filter((r) => r.target.includes('?t='));
    expect(seen.map((r) => r.target).sort()).toEqual(['/ok?t=file', '/status/204?t=url']);
    for (const r of seen) expect(r.header('x-quoted')).toBe('two words');
  });

  it('fails the step with fetch-many exit code when a target fails, and still writes the report', async () => {
    const step = await runTheStep({ targets: `${server.url}/status/503?t=down` });
    expect(step.code).toBe(1);
    expect(step.outputs).toEqual({ junit: 'fetch-many-junit.xml', 'exit-code': '1' });
    const junit = await readFile(join(work, `ws-${runs - 1}`, 'fetch-many-junit.xml'), 'utf8');
    expect(junit).toContain('failures="1"');
  });

  it('refuses empty targets and an unmatched quote with an annotation and exit code 2', async () => {
    const empty = await runTheStep({ targets: '  \n ' });
    expect(empty.code).toBe(2);
    expect(empty.stdout).toContain('::error title=fetch-many::the targets input is empty');
    expect(empty.outputs['exit-code']).toBe('2');

    const quote = await runTheStep({ targets: `${server.url}/ok`, args: '-H "X: unfinished' });
    expect(quote.code).toBe(2);
    expect(quote.stdout).toContain('::error title=fetch-many::the args input has an unmatched quote');
  });

  it('treats shell syntax in inputs as text, never running it', async () => {
    const step = await runTheStep({
      targets: '$(touch pwned-targets) `touch pwned-backtick`',
      args: '; touch pwned-args',
    });
    const workspace = join(work, `ws-${runs - 1}`);
    expect(existsSync(join(workspace, 'pwned-targets'))).toBe(false);
    expect(existsSync(join(workspace, 'pwned-backtick'))).toBe(false);
    expect(existsSync(join(workspace, 'pwned-args'))).toBe(false);
    // fetch-many got the words themselves as arguments, and refuses the first as what it is: a
    // bare word that is neither a file nor a URL (issue 23), a usage error.
    expect(step.code).toBe(2);
    expect(step.stdout + step.stderr).toContain("'$(touch' is neither a file nor a URL");
  });
});

describe('examples/github-actions/smoke.yml', () => {
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const smoke = steps.find((s) => s.uses?.includes('/fetch-many@'));

  it('says at the top that it is a template', () => {
    expect(workflowText.split('\n')[0]).toMatch(/^# TEMPLATE\b/);
  });

  it('uses the action with inputs it declares, including every required one', () => {
    expect(smoke?.uses).toMatch(/^<owner>\/fetch-many@v\d+\.\d+\.\d+$/);
    const given = Object.keys(smoke?.with ?? {});
    for (const key of given) expect(Object.keys(action.inputs)).toContain(key);
    for (const [name, spec] of Object.entries(action.inputs)) if (spec.required === true) expect(given).toContain(name);
  });

  it('sets up a Node LTS line the package supports (>= 20)', () => {
    const setup = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    const version = Number(setup?.with?.['node-version']);
    expect([20, 22, 24]).toContain(version);
  });

  it('reads only outputs the action declares', () => {
    for (const step of steps) {
      for (const expr of expressions(JSON.stringify(step))) {
        for (const m of expr.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
          expect(m[1]).toBe(smoke?.id);
          expect(Object.keys(action.outputs)).toContain(m[2]);
        }
      }
    }
  });
});
