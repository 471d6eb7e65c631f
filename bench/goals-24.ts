import type { SuiteResults } from './goals.js';
import { find, fmt, ratioGoal, type SideBySide, usable } from './goals-13.js';
import { type HttpsFigures, type HttpsSummary, httpsUsable } from './https-summary.js';
import type { Summary } from './measure.js';

/**
 * The goals of issue 24, each a ratio of fetch-many's figure to curl's from the same run. The
 * HTTPS rows come from bench/https.ts, a child process of its own: its summary (https-summary.ts)
 * is passed in only when this same run ran it; without one they say "not run".
 */
type Figure = 'wall' | 'cpu';
type HttpsFigure = Figure | 'rss';

const HTTPS_FIGURE: Record<
  HttpsFigure,
  { name: string; of: (f: HttpsFigures) => number; unit: (f: HttpsFigures) => string }
> = {
  wall: { name: 'wall', of: (f) => f.wallMs, unit: (f) => `${fmt(f.wallMs / 1000)} s` },
  cpu: { name: 'CPU/req', of: (f) => f.cpuUsPerRequest, unit: (f) => `${fmt(f.cpuUsPerRequest, 0)} µs/req` },
  rss: { name: 'peak RSS', of: (f) => f.maxRssKiB, unit: (f) => `${fmt(f.maxRssKiB / 1024, 1)} MiB` },
};

/** The HTTPS workloads of issue 24: bench/https.ts's workload id, its label and its goals. */
const HTTPS_GOALS: { id: string; label: (k: string) => string; figure: HttpsFigure; bound: number }[] = [
  { id: 'h1', label: (k) => `${k} https keep-alive, HTTP/1.1`, figure: 'wall', bound: 0.9 },
  { id: 'close', label: (k) => `${k} https, new TLS connection per request`, figure: 'cpu', bound: 1 },
  { id: 'h2', label: (k) => `${k} https over HTTP/2 (nginx)`, figure: 'wall', bound: 0.6 },
  { id: 'h2', label: (k) => `${k} https over HTTP/2 (nginx)`, figure: 'rss', bound: 2 },
  { id: 'h2o', label: (k) => `${k} https over HTTP/2 (h2o)`, figure: 'wall', bound: 0.6 },
  { id: 'h2o', label: (k) => `${k} https over HTTP/2 (h2o)`, figure: 'rss', bound: 2 },
];

/** Issue 24's own request counts, shown while a workload was not run. */
const HTTPS_REQUESTS: Record<string, number> = { h1: 10_000, close: 2000, h2: 10_000, h2o: 10_000 };

function httpsCell(f: HttpsFigures | undefined, figure: HttpsFigure, ran: boolean): string {
  if (f === undefined) return ran ? 'failed' : 'not run';
  const { exits, requests, versions } = f;
  const counted = Object.values(versions).reduce((a, b) => a + b, 0);
  if (!httpsUsable(f)) return `failed (exit ${exits.join(',')}; ${counted} of ${requests} responses)`;
  return figure === 'rss' ? HTTPS_FIGURE.rss.unit(f) : `${HTTPS_FIGURE.wall.unit(f)}, ${HTTPS_FIGURE.cpu.unit(f)}`;
}

/**
 * Issue 24's HTTPS rows from bench/https.ts's summary of this run (null: https was not run): h1
 * keep-alive wall ≤ 0.90 × curl, no reuse CPU/req ≤ 1.00 × curl, h2 wall ≤ 0.60 × curl and h2 peak
 * RSS ≤ 2 × curl, for nginx and for h2o ("not run" when h2o could not be installed). A peer whose run exited non-zero, or counted fewer responses than it made
 * requests, gives no verdict; on h2 fetch-many must have every response on HTTP/2.
 */
export function httpsGoals(https: HttpsSummary | null): SideBySide[] {
  return HTTPS_GOALS.map(({ id, label, figure, bound }) => {
    const peers = https?.workloads[id];
    const fm = peers?.['fetch-many'];
    const curl = peers?.curl;
    const requests = fm?.requests ?? curl?.requests ?? HTTPS_REQUESTS[id] ?? 0;
    const k = `${fmt(requests / 1000, requests % 1000 === 0 ? 0 : 1)}k`;
    const { name, of } = HTTPS_FIGURE[figure];
    const goal = `${name} ≤ ${fmt(bound)} × curl`;
    const row: SideBySide = {
      workload: label(k),
      fetchMany: httpsCell(fm, figure, peers !== undefined),
      curl: httpsCell(curl, figure, peers !== undefined),
      goal,
      measured: '–',
      met: null,
    };
    if (!httpsUsable(fm) || !httpsUsable(curl)) return row;
    const ratio = of(fm) / of(curl);
    if ((id === 'h2' || id === 'h2o') && fm.versions['2'] !== fm.requests) {
      return { ...row, measured: `${fmt(ratio)} ×, not every response on HTTP/2`, met: false };
    }
    return { ...row, measured: `${fmt(ratio)} ×`, met: ratio <= bound };
  });
}

/**
 * For each HTTPS goal whose workload's node floor (bench/peers/bare-tls.mjs, bare-h2.mjs) also ran:
 * the three figures, fetch-many ÷ floor and floor ÷ curl.
 */
export function floorNotesFor(https: HttpsSummary | null): string[] {
  const notes: string[] = [];
  for (const { id, label, figure } of HTTPS_GOALS) {
    const peers = https?.workloads[id];
    const fm = peers?.['fetch-many'];
    const floor = peers?.['node floor'];
    const curl = peers?.curl;
    if (!httpsUsable(fm) || !httpsUsable(floor) || !httpsUsable(curl)) continue;
    const { name, of, unit } = HTTPS_FIGURE[figure];
    const k = `${fmt(fm.requests / 1000, fm.requests % 1000 === 0 ? 0 : 1)}k`;
    notes.push(
      `${label(k)}, ${name}: fetch-many ${unit(fm)}, node floor ${unit(floor)}, curl ${unit(curl)}; fetch-many ÷ floor ${fmt(of(fm) / of(floor))} ×, floor ÷ curl ${fmt(of(floor) / of(curl))} ×`,
    );
  }
  return notes;
}

/**
 * For each goal missed on a workload the node floor (bench/peers/bare-net.mjs) also ran: the floor's
 * figure and fetch-many ÷ floor, so a missed goal says how much of the gap bare Node already has.
 */
export function floorNotes(results: SuiteResults, https: HttpsSummary | null = null): string[] {
  const notes: string[] = [];
  const rows: [string, string, Figure, string][] = [
    ['a', 'fetch-many', 'wall', '10k keep-alive (a), wall'],
    ['a', 'fetch-many', 'cpu', '10k keep-alive (a), CPU/req'],
    ['b', 'fetch-many', 'wall', '10k new connection (b), wall'],
    ['p', 'fetch-many', 'wall', 'p keep-alive, wall'],
    ['p', 'fetch-many --pipeline 8', 'wall', 'p --pipeline 8, wall'],
  ];
  for (const [id, peer, figure, label] of rows) {
    const fm = find(results, id, peer);
    const floor = find(results, id, 'node floor');
    const curl = find(results, id, 'curl');
    if (!usable(fm) || !usable(floor) || !usable(curl)) continue;
    const of = (s: Summary): number => (figure === 'wall' ? s.wallMs : s.cpuUsPerRequest);
    const unit = (s: Summary): string =>
      figure === 'wall' ? `${fmt(s.wallMs / 1000)} s` : `${fmt(s.cpuUsPerRequest, 1)} µs/req`;
    notes.push(
      `${label}: fetch-many ${unit(fm)}, node floor ${unit(floor)}, curl ${unit(curl)}; fetch-many ÷ floor ${fmt(of(fm) / of(floor))} ×, floor ÷ curl ${fmt(of(floor) / of(curl))} ×`,
    );
  }
  return [...notes, ...floorNotesFor(https)];
}

/** One row per row of issue 24's table, in its order; a row whose workload was not run says so. */
export function evaluateIssue24(results: SuiteResults, https: HttpsSummary | null = null): SideBySide[] {
  const a = { fm: find(results, 'a', 'fetch-many'), curl: find(results, 'a', 'curl') };
  const b = { fm: find(results, 'b', 'fetch-many'), curl: find(results, 'b', 'curl') };
  const p = {
    fm: find(results, 'p', 'fetch-many'),
    pipe: find(results, 'p', 'fetch-many --pipeline 8'),
    curl: find(results, 'p', 'curl'),
  };
  const pLabel = `${fmt((results.shape.get('p')?.requests ?? 100_000) / 1000, 0)}k`;
  return [
    ratioGoal('10k keep-alive (a)', 'wall', a.fm, a.curl, 0.7),
    ratioGoal('10k keep-alive (a)', 'cpu', a.fm, a.curl, 0.8),
    ratioGoal('10k, new connection per request (b)', 'wall', b.fm, b.curl, 0.8),
    ...httpsGoals(https),
    ratioGoal(`${pLabel} keep-alive (p)`, 'wall', p.fm, p.curl, 0.35),
    ratioGoal(`${pLabel} keep-alive, -c 800 --pipeline 8 (p)`, 'wall', p.pipe, p.curl, 0.2),
  ];
}
