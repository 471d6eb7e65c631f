import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureOnce, median } from './measure.js';
import type { Tools } from './tools.js';

/** Workload (f): how much fetch-many adds to starting Node at all. */
export interface StartupResult {
  method: string;
  /** The exact command line used, for RESULTS.md. */
  command: string;
  runs: number;
  fetchManyMs: number;
  nodeMs: number;
  ok: boolean;
  note?: string;
}

const FETCH_MANY = 'node bin/fetch-many.js --version';
const NODE = 'node -e 0';

interface HyperfineJson {
  results: Array<{ command: string; median: number; exit_codes?: number[] }>;
}

export async function measureStartup(tools: Tools, root: string, work: string, runs: number): Promise<StartupResult> {
  if (tools.hyperfine !== null) {
    const out = join(work, 'f.hyperfine.json');
    // -N: no intermediate shell, so the shell's own startup does not dilute the ratio.
    const args = ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', out, FETCH_MANY, NODE];
    const result = spawnSync(tools.hyperfine, args, {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    const command = `hyperfine ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
    if (result.status !== 0) {
      return {
        method: 'hyperfine',
        command,
        runs,
        fetchManyMs: NaN,
        nodeMs: NaN,
        ok: false,
        note: `hyperfine exit ${String(result.status)}: ${(result.stderr ?? '').slice(-300)}`,
      };
    }
    const json = JSON.parse(readFileSync(join(root, out), 'utf8')) as HyperfineJson;
    const find = (cmd: string): number => (json.results.find((r) => r.command === cmd)?.median ?? NaN) * 1000;
    return { method: 'hyperfine (median)', command, runs, fetchManyMs: find(FETCH_MANY), nodeMs: find(NODE), ok: true };
  }
  // No hyperfine: our own interleaved loop, each run spawned under the same GNU time wrapper.
  const env = { timeBin: tools.time, cwd: root, workDir: join(root, work), statusUrl: null };
  const fm: number[] = [];
  const node: number[] = [];
  let ok = true;
  for (let i = 0; i < runs + 3; i++) {
    const a = await measureOnce(
      { peer: 'fetch-many', argv: FETCH_MANY.split(' '), requests: 1, timeoutMs: 10_000 },
      env,
    );
    const b = await measureOnce({ peer: 'node', argv: NODE.split(' '), requests: 1, timeoutMs: 10_000 }, env);
    ok &&= a.check.ok && b.check.ok;
    // The first three of each are warm-up (disk cache), as hyperfine's --warmup 3.
    if (i >= 3) {
      fm.push(a.wallMs);
      node.push(b.wallMs);
    }
  }
  return {
    method: `own loop, ${runs} runs each, interleaved (median)`,
    command: `${FETCH_MANY}  vs  ${NODE}`,
    runs,
    fetchManyMs: median(fm),
    nodeMs: median(node),
    ok,
  };
}
