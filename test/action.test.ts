/**
 * The GitHub Action (issue 19, items 1, 2 and 4): action.yml is a JavaScript action whose `main`
 * is the committed bundle, and that bundle is run here the way a runner runs it — copied with
 * action.yml alone into a fresh folder with no node_modules, started with `node`, the inputs as
 * `INPUT_*` variables (action.yml's defaults filled in, as the runner does), GITHUB_ACTIONS=true,
 * GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_WORKSPACE — against a loopback server.
 *
 * Set FETCH_MANY_ACTION_CAPTURE=<dir> to keep the log and step summary of the main scenario.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from './cli/harness.js';
import { response, startHttpServer, type TestServer } from './helpers/servers.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | number>;
}

interface Action {
  name: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value?: string }>;
  runs: { using: string; main: string; steps?: unknown };
}

const actionText = await readFile(join(ROOT, 'action.yml'), 'utf8');
const action = parse(actionText) as Action;
const runSource = await readFile(join(ROOT, 'src', 'action', 'run.ts'), 'utf8');

let server: TestServer;
let work: string;
/** Requests to /flaky/<key> so far, by key: each answers 503 twice, then 200. */
const flakyCounts = new Map<string, number>();

beforeAll(async () => {
  server = await startHttpServer({
    '/fail': (_req, ctx) => void ctx.socket.write(response(500, 'down')),
    '/flaky': (req, ctx) => {
      const key = req.target;
      const n = (flakyCounts.get(key) ?? 0) + 1;
      flakyCounts.set(key, n);
      ctx.socket.write(n <= 2 ? response(503, 'not yet') : response(200, 'ok'));
    },
  });
  work = await mkdtemp(join(tmpdir(), 'fetch-many-action-'));
});

afterAll(async () => {
  await server?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  workspace: string;
}

let runs = 0;

/**
 * A fresh checkout of the action (action.yml and its `main`, nothing else: no node_modules, no
 * dist, no package.json) and a fresh workspace; runs the action there with these inputs.
 */
async function runAction(inputs: Record<string, string>, files: Record<string, string> = {}): Promise<ActionRun> {
  const n = runs++;
  const actionDir = join(work, `action-${n}`);
  const workspace = join(work, `ws-${n}`);
  await mkdir(join(actionDir, 'action'), { recursive: true });
  await mkdir(workspace);
  await copyFile(join(ROOT, 'action.yml'), join(actionDir, 'action.yml'));
  await copyFile(join(ROOT, action.runs.main), join(actionDir, action.runs.main));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(workspace, name)), { recursive: true });
    await writeFile(join(workspace, name), text);
  }
  const outputFile = join(work, `output-${n}`);
  const summaryFile = join(work, `summary-${n}`);
  await writeFile(outputFile, '');
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: actionDir,
  };
  // The runner: INPUT_<NAME upper-cased, spaces as _>, the declared default when not given.
  for (const [name, spec] of Object.entries(action.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = inputs[name] ?? spec.default ?? '';
  }
  const main = join(actionDir, action.runs.main);
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(process.execPath, [main], { cwd: workspace, env, timeout: 60_000 }, (err, out, errOut) => {
        const c = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code: c, stdout: String(out), stderr: String(errOut) });
      });
    },
  );
  const outputs: Record<string, string> = {};
  for (const line of (await readFile(outputFile, 'utf8')).split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { code, stdout, stderr, outputs, summary: await readFile(summaryFile, 'utf8'), workspace };
}

const errorLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('::error'));
const warningLines = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('::warning'));

describe('action.yml', () => {
  it('is a JavaScript action on node20 whose main is the committed bundle', () => {
    expect(action.name).toBe('fetch-many');
    expect(action.runs.using).toBe('node20');
    expect(action.runs.main).toBe('action/index.mjs');
    expect(action.runs.steps).toBeUndefined();
    expect(existsSync(join(ROOT, action.runs.main))).toBe(true);
  });

  it('declares exactly the inputs the bundle reads, and the outputs it writes', () => {
    const read = [...runSource.matchAll(/env\.INPUT_([A-Z_]+)/g)].map((m) => m[1]!.toLowerCase());
    expect([...new Set(read)].sort()).toEqual(Object.keys(action.inputs).sort());
    expect(action.inputs.targets?.required).toBe(true);
    expect(Object.keys(action.outputs).sort()).toEqual(['exit-code', 'failed', 'flaky', 'junit', 'ok']);
    for (const name of Object.keys(action.outputs)) expect(runSource).toContain(`'${name}'`);
  });
});

describe('the Action, run as a runner runs it', () => {
  it('30 failing targets and a flaky one: 10 annotations on their lines, the step summary, the outputs', async () => {
    // A pretty-printed document, one target over four lines, the flaky one among them: the line of
    // each target is where its `{` is.
    const entries: string[] = [];
    for (let i = 1; i <= 30; i++) {
      if (i === 6)
        entries.push(`    {\n      "name": "flaky one",\n      "url": "${server.url}/flaky?run=main"\n    }`);
      entries.push(`    {\n      "name": "fail ${i}",\n      "url": "${server.url}/fail?i=${i}"\n    }`);
    }
    const text = `{\n  "targets": [\n${entries.join(',\n')}\n  ]\n}\n`;
    const lineOf = (name: string): number => text.split('\n').findIndex((l) => l.includes(`"name": "${name}"`));
    const step = await runAction(
      { targets: 'checks/smoke.json', args: '--retries 2 --retry-delay 10ms' },
      { 'checks/smoke.json': text },
    );
    const ws = step.workspace;

    expect(step.code, step.stderr).toBe(1);
    const errors = errorLines(step.stdout);
    expect(errors).toHaveLength(10);
    const located = errors.filter((l) => l.includes(' file='));
    expect(located).toHaveLength(9);
    for (const line of located) {
      const m =
        /^::error file=checks\/smoke\.json,line=(\d+),title=fetch-many #\d+%3A (fail \d+)::status 500 not in 200-399$/.exec(
          line,
        );
      expect(m, line).not.toBeNull();
      // 1-based line of the target's `{`, the line above its name (lineOf is 0-based).
      expect(Number(m![1])).toBe(lineOf(m![2]!));
    }
    expect(errors.at(-1)).toMatch(/^::error title=fetch-many::21 more failed targets not annotated/);
    // The flaky target: a warning on its line, never an error.
    const warnings = warningLines(step.stdout);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toBe(
      `::warning file=checks/smoke.json,line=${lineOf('flaky one')},title=fetch-many #6%3A flaky one::flaky: ok after 3 attempts; attempt 1: status 503 not in 200-399; attempt 2: status 503 not in 200-399`,
    );
    expect(errors.some((l) => l.includes('flaky one'))).toBe(false);
    // The table row says it too.
    expect(step.stdout).toMatch(/flaky one +200 .*ok after 3 attempts/);

    // The step summary: every failure in the failures table, the flaky target apart.
    const summary = step.summary;
    // (Markdown's punctuation is backslash-escaped.)
    expect(summary).toContain('31 targets: 1 ok \\(1 flaky\\), 30 failed \\(expectation 30\\)');
    const [failures, flaky] = summary.split('#### Flaky');
    for (let i = 1; i <= 30; i++) expect(failures).toContain(`| fail ${i} | 500 | status 500 not in 200-399 |`);
    expect(failures).not.toContain('flaky one');
    expect(flaky).toContain(
      '| 6 | flaky one | 3 | attempt 1: status 503 not in 200-399<br>attempt 2: status 503 not in 200-399 |',
    );

    expect(step.outputs).toEqual({
      ok: '1',
      failed: '30',
      flaky: '1',
      junit: 'fetch-many-junit.xml',
      'exit-code': '1',
    });
    const junit = await readFile(join(ws, 'fetch-many-junit.xml'), 'utf8');
    expect(junit).toContain('tests="31" failures="30" errors="0" skipped="0"');
    expect(junit.match(/<flakyFailure /g)).toHaveLength(2);

    const capture = process.env.FETCH_MANY_ACTION_CAPTURE;
    if (capture !== undefined && capture !== '') {
      await writeFile(join(capture, 'action-log.txt'), step.stdout);
      await writeFile(join(capture, 'step-summary.md'), summary);
    }
  });

  it('a usage error (a missing target file, a bad flag, an input that does not split) is one ::error, exit 2, no junit output', async () => {
    for (const inputs of [
      { targets: 'smoke/missing.json' },
      { targets: `${server.url}/ok`, args: '--retires 2' },
      { targets: `${server.url}/ok`, args: '-H "X: unfinished' },
      { targets: '  \n ' },
    ]) {
      const step = await runAction(inputs);
      expect(step.code, JSON.stringify(inputs)).toBe(2);
      const errors = [...errorLines(step.stdout), ...errorLines(step.stderr)];
      expect(errors, JSON.stringify(inputs)).toHaveLength(1);
      expect(errors[0]).toMatch(/^::error title=fetch-many::\S/);
      expect(step.outputs).toEqual({ 'exit-code': '2' });
      expect(existsSync(join(step.workspace, 'fetch-many-junit.xml'))).toBe(false);
    }
  });

  it('splits inputs like a shell, without running anything; an empty junit input writes none', async () => {
    const step = await runAction({
      targets: `${server.url}/ok?t=quoted\n  '${server.url}/ok?t=$(touch\${IFS}pwned)'`,
      args: `-H "X-Quoted: two words" --timeout 5s`,
      junit: '',
    });
    expect(step.code, step.stdout + step.stderr).toBe(0);
    expect(step.outputs).toEqual({ ok: '2', failed: '0', flaky: '0', 'exit-code': '0' });
    expect(existsSync(join(step.workspace, 'pwned'))).toBe(false);
    const seen = server.received.filter((r) => r.target.includes('?t='));
    // The shell text arrives as text.
    expect(seen.map((r) => r.target).sort()).toEqual([`/ok?t=$(touch\${IFS}pwned)`, '/ok?t=quoted']);
    for (const r of seen) expect(r.header('x-quoted')).toBe('two words');
  });
});

describe('examples/github-actions/smoke.yml', () => {
  const workflowText = readFileSync(join(ROOT, 'examples', 'github-actions', 'smoke.yml'), 'utf8');
  const workflow = parse(workflowText) as { jobs: Record<string, { steps: Step[] }> };
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const smoke = steps.find((s) => s.uses?.includes('/fetch-many@'));

  it('says at the top that it is a template', () => {
    expect(workflowText.split('\n')[0]).toMatch(/^# TEMPLATE\b/);
  });

  it('pins the action by tag, and shows the sha form with a sha marked as made up', () => {
    expect(smoke?.uses).toBe('<owner>/fetch-many@v1');
    const sha = /^\s*#\s+uses: <owner>\/fetch-many@([0-9a-f]{40}) # v1$/m.exec(workflowText);
    expect(sha).not.toBeNull();
    expect(workflowText).toMatch(/a made-up sha/);
  });

  it('uses the action with inputs it declares, including every required one', () => {
    const given = Object.keys(smoke?.with ?? {});
    for (const key of given) expect(Object.keys(action.inputs)).toContain(key);
    for (const [name, spec] of Object.entries(action.inputs)) if (spec.required === true) expect(given).toContain(name);
  });

  it('reads only outputs the action declares, and never pastes one into a script', () => {
    for (const step of steps) {
      for (const m of JSON.stringify(step).matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
        expect(m[1]).toBe(smoke?.id);
        expect(Object.keys(action.outputs)).toContain(m[2]);
      }
      expect(step.run ?? '').not.toMatch(/\$\{\{/);
    }
  });
});
