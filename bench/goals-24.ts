import type { SuiteResults } from './goals.js';
import { find, fmt, ratioGoal, type SideBySide, usable } from './goals-13.js';
import type { Summary } from './measure.js';

/**
 * The goals of issue 24, each a ratio of fetch-many's figure to curl's from the same run. The
 * HTTPS rows are measured by bench/https.ts, which writes a section of its own: here they are
 * listed as not run (their figures are in the "HTTPS" section of the results file).
 */
type Figure = 'wall' | 'cpu';

function httpsRow(label: string, goal: string): SideBySide {
  return { workload: label, fetchMany: 'https section', curl: 'https section', goal, measured: '–', met: null };
}

/**
 * For each goal missed on a workload the node floor (bench/peers/bare-net.mjs) also ran: the floor's
 * figure and fetch-many ÷ floor, so a missed goal says how much of the gap bare Node already has.
 */
export function floorNotes(results: SuiteResults): string[] {
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
  return notes;
}

/** One row per row of issue 24's table, in its order; a row whose workload was not run says so. */
export function evaluateIssue24(results: SuiteResults): SideBySide[] {
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
    httpsRow('10k https keep-alive, HTTP/1.1', 'wall ≤ 0.90 × curl'),
    httpsRow('2k https, new TLS connection per request', 'CPU/req ≤ 1.00 × curl'),
    httpsRow('10k https over HTTP/2', 'wall ≤ 0.60 × curl, peak RSS ≤ 2 × curl'),
    ratioGoal(`${pLabel} keep-alive (p)`, 'wall', p.fm, p.curl, 0.35),
    ratioGoal(`${pLabel} keep-alive, -c 800 --pipeline 8 (p)`, 'wall', p.pipe, p.curl, 0.2),
  ];
}
