/**
 * The scaling-out templates (examples/kubernetes/, examples/github-actions/sharded.yml) are
 * parsed, checked for their wiring, and then their shell steps are run for real — against a
 * loopback list standing in for theirs, with `npx` resolved to this build — so a template whose
 * shards do not add up to the list fails here, not in a user's cluster.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { parseXml, type XmlElement } from '../report/xml-reader.js';
import { BIN, ROOT, tempDir } from './harness.js';

const run = promisify(execFile);
let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let stubs: string;
const TARGETS = 10;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
  // `npx --yes fetch-many@0 …` → this build; anything else the templates might call fails loudly.
  stubs = join(tmp.dir, 'bin');
  await mkdir(stubs);
  const npx = await tmp.file(
    'bin/npx',
    `#!/bin/sh\n[ "$1" = --yes ] && [ "$2" = fetch-many@0 ] || { echo "unexpected npx $*" >&2; exit 99; }\nshift 2\nexec '${process.execPath}' '${BIN}' "$@"\n`,
  );
  await chmod(npx, 0o755);
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const loopbackList = (): string =>
  `${Array.from({ length: TARGETS }, (_, i) => `${server.url}/bytes/${i}?i=${i}`).join('\n')}\n`;

async function shell(shellPath: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(shellPath, args, {
      cwd,
      env: { ...process.env, PATH: `${stubs}:${process.env.PATH ?? ''}`, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every host a template names must be example.com or under it; the header must say "TEMPLATE". */
function expectTemplateHygiene(text: string): void {
  expect(text.split('\n')[0]).toMatch(/TEMPLATE/);
  for (const [, host] of text.matchAll(/https?:\/\/([^/\s:'"]+)/g)) expect(host).toMatch(/(^|\.)example\.com$/);
}

/** `<testcase>` elements anywhere in a JUnit document (a `<testsuites>` wrapper or not). */
function testCases(xml: string): number {
  const count = (el: XmlElement): number =>
    el.children.reduce((n, child) => n + count(child), el.name === 'testcase' ? 1 : 0);
  return count(parseXml(xml));
}

interface Container {
  command: string[];
  args: string[];
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes: Array<{ name: string; persistentVolumeClaim?: { claimName: string }; configMap?: { name: string } }>;
}
interface JobSpec {
  completionMode?: string;
  completions?: number;
  template: { spec: PodSpec };
}
interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: JobSpec;
  data?: Record<string, string>;
}
interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
}
interface WorkflowJob {
  needs?: string;
  strategy?: { 'fail-fast'?: boolean; matrix: { shard: number[] } };
  steps: Step[];
}

/** GitHub's expression for the matrix value, as the workflow writes it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
const MATRIX_SHARD = '${{ matrix.shard }}';

describe('examples/kubernetes', () => {
  it('an Indexed Job of 4 shards and a merge Job sharing one volume: run for real, they cover the list once', async () => {
    const dir = join(ROOT, 'examples', 'kubernetes');
    const shardsText = await readFile(join(dir, 'shards-job.yaml'), 'utf8');
    const mergeText = await readFile(join(dir, 'merge-job.yaml'), 'utf8');
    expectTemplateHygiene(shardsText);
    expectTemplateHygiene(mergeText);
    const objects = [...parseAllDocuments(shardsText), ...parseAllDocuments(mergeText)].map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS() as K8sObject;
    });
    const jobs = objects.filter((o) => o.kind === 'Job');
    const shards = jobs.find((j) => j.metadata.name === 'fetch-many-shards')!.spec!;
    const merge = jobs.find((j) => j.metadata.name === 'fetch-many-merge')!.spec!;
    expect(shards.completionMode).toBe('Indexed');
    expect(shards.completions).toBe(4);
    expect(objects.find((o) => o.kind === 'ConfigMap')?.data?.['urls.txt']).toBeDefined();

    // Both Jobs mount the same claim at the same place, and the same ConfigMap.
    const mounts = (spec: JobSpec): Record<string, string> => {
      const pod = spec.template.spec;
      const byName = new Map(pod.volumes.map((v) => [v.name, v]));
      return Object.fromEntries(
        pod.containers[0]!.volumeMounts.map((m) => {
          const v = byName.get(m.name);
          return [v?.persistentVolumeClaim?.claimName ?? v?.configMap?.name, m.mountPath];
        }),
      );
    };
    expect(mounts(merge)).toEqual(mounts(shards));
    const paths = mounts(shards);
    const resultsDir = join(tmp.dir, 'k8s-results');
    const targetsDir = join(tmp.dir, 'k8s-targets');
    await mkdir(resultsDir);
    await mkdir(targetsDir);
    await tmp.file('k8s-targets/urls.txt', loopbackList());
    const localize = (script: string): string =>
      script.replaceAll(paths['fetch-many-results']!, resultsDir).replaceAll(paths['fetch-many-targets']!, targetsDir);

    const container = shards.template.spec.containers[0]!;
    expect(container.command).toEqual(['sh', '-c']);
    expect(container.args[0]).toContain('--shard $((JOB_COMPLETION_INDEX+1))/4');
    // The pods, one per completion index, as the Job controller would start them.
    const pods = await Promise.all(
      [0, 1, 2, 3].map((k) =>
        shell('sh', ['-c', localize(container.args[0]!)], tmp.dir, { JOB_COMPLETION_INDEX: String(k) }),
      ),
    );
    for (const pod of pods) expect(pod.code, pod.stderr).toBe(0);
    expect((await readdir(resultsDir)).sort()).toEqual([1, 2, 3, 4].map((i) => `shard-${i}.ndjson`));

    const mergeContainer = merge.template.spec.containers[0]!;
    const merged = await shell('sh', ['-c', localize(mergeContainer.args[0]!)], tmp.dir);
    expect(merged.code, merged.stderr).toBe(0);
    expect(testCases(await readFile(join(resultsDir, 'report.xml'), 'utf8'))).toBe(TARGETS);
  });
});

describe('examples/github-actions/sharded.yml', () => {
  it('a matrix of 4 shards uploading NDJSON and a merge job running merge --junit: run for real, they cover the list once', async () => {
    const text = await readFile(join(ROOT, 'examples', 'github-actions', 'sharded.yml'), 'utf8');
    expectTemplateHygiene(text);
    const wf = parse(text) as { jobs: Record<string, WorkflowJob> };
    const shard = wf.jobs.shard!;
    const merge = wf.jobs.merge!;
    const matrix = shard.strategy?.matrix.shard ?? [];
    expect(matrix).toEqual([1, 2, 3, 4]);
    expect(shard.strategy?.['fail-fast']).toBe(false);
    expect(merge.needs).toBe('shard');

    // The steps, run as the runner would (bash -eo pipefail, in a checkout).
    const work = join(tmp.dir, 'gha');
    await mkdir(join(work, 'examples'), { recursive: true });
    await tmp.file('gha/examples/urls.txt', loopbackList());
    const runStep = (job: WorkflowJob): string => job.steps.find((s) => s.run?.includes('fetch-many'))?.run ?? '';
    const upload = shard.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'))?.with ?? {};
    const download = merge.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))?.with ?? {};
    expect(runStep(shard)).toContain(`--shard ${MATRIX_SHARD}/4`);
    const artifacts = new Map<string, string>();
    for (const i of matrix) {
      const expand = (s: unknown): string => String(s).replaceAll(MATRIX_SHARD, String(i));
      const step = await shell(
        'bash',
        ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(runStep(shard))],
        work,
      );
      expect(step.code, step.stderr).toBe(0);
      artifacts.set(expand(upload.name), join(work, expand(upload.path)));
    }
    // download-artifact: every artifact whose name matches the pattern, merged into one folder.
    const pattern = new RegExp(`^${String(download.pattern).replaceAll('*', '.*')}$`);
    expect(download['merge-multiple']).toBe(true);
    const into = String(download.path);
    await mkdir(join(work, into));
    for (const [name, file] of artifacts) {
      expect(name).toMatch(pattern);
      await copyFile(file, join(work, into, file.split('/').pop()!));
    }
    const mergeRun = runStep(merge);
    expect(mergeRun).toMatch(/fetch-many@0 merge .*--junit/);
    const merged = await shell('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', mergeRun], work);
    expect(merged.code, merged.stderr).toBe(0);
    expect(testCases(await readFile(join(work, 'report.xml'), 'utf8'))).toBe(TARGETS);
  });
});
