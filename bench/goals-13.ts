import type { SuiteResults } from './goals.js';
import type { Summary } from './measure.js';

/**
 * The goals of issue 13 ("ahead of curl on plain HTTP"), fetch-many and curl side by side from
 * one run of the suite, each marked met or missed.
 */
export interface SideBySide {
  workload: string;
  fetchMany: string;
  curl: string;
  goal: string;
  /** What the goal bounds, worked out from the two columns. */
  measured: string;
  /** null: not measured in this run (workload not selected, a run failed its check). */
  met: boolean | null;
}

export const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export function find(results: SuiteResults, id: string, peer: string): Summary | undefined {
  return results.summaries.get(id)?.find((s) => s.peer === peer);
}

export function usable(s: Summary | undefined): s is Summary {
  return s !== undefined && s.runs > 0 && s.okRuns === s.runs;
}

export const wallCpu = (s: Summary | undefined): string =>
  usable(s) ? `${fmt(s.wallMs / 1000)} s, ${fmt(s.cpuUsPerRequest, 1)} µs/req` : s === undefined ? 'not run' : 'failed';

function skipped(workload: string, goal: string, fm: Summary | undefined, curl: Summary | undefined): SideBySide {
  return { workload, fetchMany: wallCpu(fm), curl: wallCpu(curl), goal, measured: '–', met: null };
}

/** One ratio goal: fetch-many's median wall (or CPU per request) ≤ bound × curl's. */
export function ratioGoal(
  label: string,
  figure: 'wall' | 'cpu',
  fm: Summary | undefined,
  curl: Summary | undefined,
  bound: number,
): SideBySide {
  const goal = figure === 'wall' ? `wall ≤ ${fmt(bound)} × curl` : `CPU/req ≤ ${fmt(bound)} × curl`;
  if (!usable(fm) || !usable(curl)) return skipped(label, goal, fm, curl);
  const ratio = figure === 'wall' ? fm.wallMs / curl.wallMs : fm.cpuUsPerRequest / curl.cpuUsPerRequest;
  return {
    workload: label,
    fetchMany: wallCpu(fm),
    curl: wallCpu(curl),
    goal,
    measured: `${fmt(ratio)} ×`,
    met: ratio <= bound,
  };
}

function cpuGoal(label: string, fm: Summary | undefined, curl: Summary | undefined, boundUs: number): SideBySide {
  const goal = `≤ ${boundUs} µs CPU/request`;
  if (!usable(fm)) return skipped(label, goal, fm, curl);
  return {
    workload: label,
    fetchMany: wallCpu(fm),
    curl: wallCpu(curl),
    goal,
    measured: `${fmt(fm.cpuUsPerRequest, 1)} µs`,
    met: fm.cpuUsPerRequest <= boundUs,
  };
}

export function evaluateIssue13(results: SuiteResults): SideBySide[] {
  const rows: SideBySide[] = [];
  const a = { fm: find(results, 'a', 'fetch-many'), curl: find(results, 'a', 'curl') };
  const b = { fm: find(results, 'b', 'fetch-many'), curl: find(results, 'b', 'curl') };
  const h = {
    fm: find(results, 'p', 'fetch-many'),
    pipe: find(results, 'p', 'fetch-many --pipeline 8'),
    curl: find(results, 'p', 'curl'),
  };
  const hLabel = `${fmt((results.shape.get('p')?.requests ?? 100_000) / 1000, 0)}k`;
  if (results.summaries.has('a')) {
    rows.push(ratioGoal('10k keep-alive (a)', 'wall', a.fm, a.curl, 0.8));
    rows.push(cpuGoal('10k keep-alive (a)', a.fm, a.curl, 25));
    const rss = usable(a.fm) ? a.fm.maxRssMiB : NaN;
    rows.push({
      workload: '10k keep-alive (a), peak RSS',
      fetchMany: usable(a.fm) ? `${fmt(rss, 1)} MiB` : 'failed',
      curl: usable(a.curl) ? `${fmt(a.curl.maxRssMiB, 1)} MiB` : '–',
      goal: '≤ 60 MiB',
      measured: `${fmt(rss, 1)} MiB`,
      met: usable(a.fm) ? rss <= 60 : null,
    });
  }
  if (results.summaries.has('b'))
    rows.push(ratioGoal('10k, new connection per request (b)', 'wall', b.fm, b.curl, 0.9));
  if (results.summaries.has('p')) {
    const fm = h.fm;
    const curl = h.curl;
    rows.push({
      workload: `${hLabel} keep-alive (p)`,
      fetchMany: wallCpu(fm),
      curl: wallCpu(curl),
      goal: '— (reported)',
      measured: usable(fm) && usable(curl) ? `${fmt(fm.wallMs / curl.wallMs)} ×` : '–',
      met: null,
    });
    rows.push(ratioGoal(`${hLabel} keep-alive, --pipeline 8 (p)`, 'wall', h.pipe, curl, 0.25));
    rows.push(cpuGoal(`${hLabel} keep-alive, --pipeline 8 (p)`, h.pipe, curl, 8));
  }
  return rows;
}
