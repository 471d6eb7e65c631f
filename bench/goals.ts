import type { Summary } from './measure.js';
import type { StartupResult } from './startup.js';

/** The issue 5 goals, each checked against the medians of one run of the suite. */
export interface Goal {
  workload: string;
  goal: string;
  measured: string;
  /** The ratio the goal bounds, when the goal is a ratio. */
  ratio: number | null;
  /** null: not measured in this run (workload not selected, CLI missing, peer failed). */
  pass: boolean | null;
}

export interface SuiteResults {
  /** Summaries per workload id (a, b, c, d100, d1000, e, g). */
  summaries: Map<string, Summary[]>;
  /** Requests and concurrency per workload id, as run. */
  shape: Map<string, { requests: number; concurrency: number }>;
  startup: StartupResult | null;
  origins: number;
}

function peer(results: SuiteResults, id: string, name: string): Summary | undefined {
  return results.summaries.get(id)?.find((s) => s.peer === name);
}

/** A summary usable for a goal: present and every run passed its own check. */
function usable(s: Summary | undefined): s is Summary {
  return s !== undefined && s.okRuns === s.runs && s.runs > 0;
}

function notMeasured(workload: string, goal: string, why: string): Goal {
  return { workload, goal, measured: why, ratio: null, pass: null };
}

function failedRuns(s: Summary | undefined): string {
  if (s === undefined) return 'not run';
  return `${s.runs - s.okRuns}/${s.runs} runs failed their check (${s.notes.join('; ')})`;
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function ratioVsCurl(results: SuiteResults, id: string, goal: string, bound: number, by: 'wall' | 'rps'): Goal {
  const fm = peer(results, id, 'fetch-many');
  const curl = peer(results, id, 'curl');
  if (!usable(fm))
    return { ...notMeasured(id, goal, `fetch-many: ${failedRuns(fm)}`), pass: fm === undefined ? null : false };
  if (!usable(curl)) return notMeasured(id, goal, `curl: ${failedRuns(curl)}`);
  if (by === 'wall') {
    const ratio = fm.wallMs / curl.wallMs;
    return {
      workload: id,
      goal,
      ratio,
      pass: ratio <= bound,
      measured: `${fmt(fm.wallMs, 0)} ms vs curl ${fmt(curl.wallMs, 0)} ms = ${fmt(ratio)}×`,
    };
  }
  const ratio = fm.rps / curl.rps;
  return {
    workload: id,
    goal,
    ratio,
    pass: ratio >= bound,
    measured: `${fmt(fm.rps, 0)} rps vs curl ${fmt(curl.rps, 0)} rps = ${fmt(ratio)}×`,
  };
}

export function evaluateGoals(results: SuiteResults): Goal[] {
  const goals: Goal[] = [];
  const has = (id: string): boolean => results.summaries.has(id);

  if (has('a')) {
    goals.push(ratioVsCurl(results, 'a', 'wall ≤ 0.8 × curl', 0.8, 'wall'));
    const fm = peer(results, 'a', 'fetch-many');
    const shape = results.shape.get('a');
    if (usable(fm) && shape !== undefined) {
      goals.push({
        workload: 'a',
        goal: '≤ 25 µs CPU per request',
        ratio: fm.cpuUsPerRequest / 25,
        pass: fm.cpuUsPerRequest <= 25,
        measured: `${fmt(fm.cpuUsPerRequest, 1)} µs (${fmt(fm.cpuMs, 0)} ms user+sys / ${fm.requests}, startup included)`,
      });
      goals.push({
        workload: 'a',
        goal: 'peak RSS ≤ 60 MB',
        ratio: fm.maxRssMiB / 60,
        pass: fm.maxRssMiB <= 60,
        measured: `${fmt(fm.maxRssMiB, 1)} MiB`,
      });
      const limit = shape.concurrency + results.origins;
      goals.push({
        workload: 'a',
        goal: `connections ≤ C + origins (${limit})`,
        ratio: fm.accepts === null ? null : fm.accepts / limit,
        pass: fm.accepts === null ? null : fm.accepts <= limit,
        measured: `${String(fm.accepts)} accepted by nginx`,
      });
    } else {
      for (const g of ['≤ 25 µs CPU per request', 'peak RSS ≤ 60 MB', 'connections ≤ C + origins']) {
        goals.push({ ...notMeasured('a', g, `fetch-many: ${failedRuns(fm)}`), pass: fm === undefined ? null : false });
      }
    }
  }
  if (has('b')) goals.push(ratioVsCurl(results, 'b', '≥ 1.5 × curl rps', 1.5, 'rps'));
  if (has('c')) goals.push(ratioVsCurl(results, 'c', '≥ 1.3 × curl rps', 1.3, 'rps'));

  for (const id of ['d100', 'd1000']) {
    if (!has(id)) continue;
    const shape = results.shape.get(id);
    if (shape === undefined) continue;
    // ceil(N / C) waves of one 1 s timeout each, plus 0.3 s of slack: 10.3 s and 1.3 s for N=1000.
    const boundMs = Math.ceil(shape.requests / shape.concurrency) * 1000 + 300;
    const goal = `C=${shape.concurrency}: wall ≤ ${fmt(boundMs / 1000, 1)} s, all ${shape.requests} reported timeout`;
    const fm = peer(results, id, 'fetch-many');
    if (fm === undefined) {
      goals.push(notMeasured(id, goal, 'fetch-many not run'));
      continue;
    }
    const allTimeout = fm.okRuns === fm.runs;
    goals.push({
      workload: id,
      goal,
      ratio: fm.wallMs / boundMs,
      pass: allTimeout && fm.wallMs <= boundMs,
      measured: `${fmt(fm.wallMs / 1000, 2)} s; ${allTimeout ? 'every run: all timeout' : `check failed: ${fm.notes.join('; ')}`}`,
    });
  }

  if (has('e')) {
    const [small, large] = results.summaries.get('e') ?? [];
    const goal = 'peak RSS ≤ 120 MB at the large run and within 10% of the small run';
    if (!usable(small) || !usable(large)) {
      goals.push({
        ...notMeasured('e', goal, `${failedRuns(small)} / ${failedRuns(large)}`),
        pass: small === undefined ? null : false,
      });
    } else {
      const growth = large.maxRssMiB / small.maxRssMiB;
      goals.push({
        workload: 'e',
        goal,
        ratio: growth,
        pass: large.maxRssMiB <= 120 && growth <= 1.1,
        measured: `${small.peer}: ${fmt(small.maxRssMiB, 1)} MiB, ${large.peer}: ${fmt(large.maxRssMiB, 1)} MiB (${fmt(growth)}×)`,
      });
    }
  }

  const st = results.startup;
  if (st !== null) {
    const goal = 'fetch-many --version ≤ 1.3 × node -e 0';
    if (!st.ok) goals.push({ ...notMeasured('f', goal, st.note ?? 'failed'), pass: false });
    else {
      const ratio = st.fetchManyMs / st.nodeMs;
      goals.push({
        workload: 'f',
        goal,
        ratio,
        pass: ratio <= 1.3,
        measured: `${fmt(st.fetchManyMs, 1)} ms vs ${fmt(st.nodeMs, 1)} ms = ${fmt(ratio)}×`,
      });
    }
  }

  if (has('g')) {
    const table = peer(results, 'g', 'fetch-many table');
    const ndjson = peer(results, 'g', 'fetch-many ndjson');
    const goal = 'table wall ≤ 1.2 × ndjson wall';
    if (!usable(table) || !usable(ndjson)) {
      goals.push({
        ...notMeasured('g', goal, `${failedRuns(table)} / ${failedRuns(ndjson)}`),
        pass: table === undefined ? null : false,
      });
    } else {
      const ratio = table.wallMs / ndjson.wallMs;
      goals.push({
        workload: 'g',
        goal,
        ratio,
        pass: ratio <= 1.2,
        measured: `${fmt(table.wallMs, 0)} ms vs ${fmt(ndjson.wallMs, 0)} ms = ${fmt(ratio)}×`,
      });
    }
  }
  return goals;
}
