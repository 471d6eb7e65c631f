import type { AttemptFailure, Result } from '../types.js';
import { attemptProblem } from './attempts.js';
import { originText, places } from './origin.js';
import { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { openReportFile, type ReportFileOptions } from './safe-write.js';
import type { Summary } from './summary.js';
import { xmlAttr, xmlText } from './xml.js';

type Outcome = 'passed' | 'failure' | 'error' | 'skipped';

interface Case {
  index: number;
  outcome: Outcome;
  xml: string;
}

/**
 * JUnit XML for CI test viewers (GitHub test-reporter actions, GitLab's test report, Jenkins'
 * junit step): one `<testsuite name="fetch-many">` with one `<testcase>` per target, in input
 * order.
 *
 * How results map, following JUnit's own meaning (a failure is an assertion that did not hold,
 * an error is a test that could not run to its assertions):
 * - failed expectations, including a status outside the expected set → `<failure type="expectation">`;
 * - transport errors (dns, refused, reset, timeout, tls, protocol, truncated, too_large, connect)
 *   and invalid targets → `<error type="<code>">`;
 * - cancelled → `<skipped>`: the target was never checked, so it neither passed nor failed. The
 *   run's exit code, not this file, says the run was cancelled;
 * - flaky (ok only after retries) → a passing testcase holding, per earlier attempt, Surefire's
 *   `<flakyFailure>` (a status asking to come back later, type `expectation`) or `<flakyError>`
 *   (an error, type its code), each with the attempt's story in `<stackTrace>`, which Surefire's
 *   schema (surefire-test-report-3.0.xsd) requires. Jenkins, GitLab and Azure DevOps read these.
 *
 * `name` is the target's name, else `METHOD url`, else (invalid target) its input. `classname`
 * is the URL's host[:port], or `invalid`. Times are seconds.
 *
 * Streamed (a million cases once ended in `Invalid string length` and no file):
 * each testcase is written as soon as every earlier target has reported (the reorder buffer is
 * the only thing held), to a temp file; `end()` (which the CLI also calls on cancel) inserts the
 * counts, known only then, into the two opening tags (no padding kept for them, once ~80 spaces
 * in the root tags: the file is copied once more instead, see safe-write.ts) and puts the file in
 * place through
 * {@link openReportFile} — renamed over a regular file, written into a FIFO or device — so a
 * reader never sees half a report.
 */
export function createJUnitReporter(path: string, options: ReportFileOptions = {}): Reporter {
  const file = openReportFile(path, options);
  const out = new Output(file.stream);
  const startedAt = Date.now();
  const n = { tests: 0, failure: 0, error: 0, skipped: 0 };
  const prolog = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="fetch-many" ';
  const between = `>\n  <testsuite name="fetch-many" `;
  // xs:dateTime, UTC, whole seconds: what Ant's formatter wrote and every reader accepts.
  const timestamp = `${new Date(startedAt).toISOString().slice(0, 19)}Z`;
  out.write(`${prolog}${between} timestamp="${timestamp}">\n`);
  // Where the counts go (ASCII so far: bytes = characters).
  const firstCounts = prolog.length;
  const secondCounts = prolog.length + between.length;

  const buffer = new ReorderBuffer<Case>((c) => {
    n.tests++;
    if (c.outcome !== 'passed') n[c.outcome]++;
    out.write(`${c.xml}\n`);
  });
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended === null) buffer.push(r.index, toCase(r));
    },
    gone(r: Result): void {
      if (ended !== null) return;
      buffer.finish();
      // Not checked by this run, so neither passed nor failed: skipped, as a cancelled target is.
      const c = toCase(r);
      n.tests++;
      n.skipped++;
      out.write(`${c.xml}\n`);
    },
    end(summary: Summary): Promise<void> {
      ended ??= (async () => {
        buffer.finish();
        out.write('  </testsuite>\n</testsuites>\n');
        await out.flush().catch(() => undefined);
        const counts =
          `tests="${n.tests}" failures="${n.failure}" errors="${n.error}" skipped="${n.skipped}"` +
          ` time="${seconds(summary.wallMs)}"`;
        await file.commit([
          { offset: firstCounts, text: counts, length: 0 },
          { offset: secondCounts, text: counts, length: 0 },
        ]);
      })();
      return ended;
    },
    ready(): Promise<void> | null {
      return out.ready();
    },
    discard(): Promise<void> {
      ended ??= file.discard();
      return ended;
    },
  };
}

function toCase(r: Result): Case {
  const c = plainCase(r);
  const props = properties(r) + (r.flaky === true ? flakyAttempts(r) : '');
  if (props === '') return c;
  // Properties go first inside the testcase; a passed case stops being self-closing.
  const xml = c.xml.endsWith('/>')
    ? `${c.xml.slice(0, -2)}>\n${props}    </testcase>`
    : c.xml.replace('>\n', `>\n${props}`);
  return { ...c, xml };
}

function plainCase(r: Result): Case {
  const name = r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`);
  // `file` and `line`: the first place a link was found (--links), as GitLab and Jenkins read them.
  const first = places(r)[0];
  const open =
    `    <testcase name="${xmlAttr(name)}" classname="${xmlAttr(classname(r.url))}"` +
    (first === undefined ? '' : ` file="${xmlAttr(first.file)}" line="${first.line}"`) +
    ` time="${seconds(r.timings.total)}"`;
  if (r.change === 'gone') {
    return {
      index: r.index,
      outcome: 'skipped',
      xml: `${open}>\n      <skipped message="gone: in the baseline, not in this run"/>\n    </testcase>`,
    };
  }
  const e = r.error;
  if (e !== null) {
    if (e.code === 'cancelled') {
      return {
        index: r.index,
        outcome: 'skipped',
        xml: `${open}>\n      <skipped message="${xmlAttr(e.message)}"/>\n    </testcase>`,
      };
    }
    const type = e.phase === undefined ? e.code : `${e.code}:${e.phase}`;
    const body = `${describe(r)}\n${e.message}${r.failures.length > 0 ? `\n${r.failures.join('\n')}` : ''}`;
    return {
      index: r.index,
      outcome: 'error',
      xml: `${open}>\n      <error message="${xmlAttr(r.change === 'new-failure' ? `new failure: ${e.message}` : e.message)}" type="${xmlAttr(type)}">${xmlText(body)}</error>\n    </testcase>`,
    };
  }
  if (!r.ok) {
    // ok is false without an error only when an expectation failed; say so even if the engine
    // left `failures` empty.
    const message = `${r.change === 'new-failure' ? 'new failure: ' : ''}${r.failures.length > 0 ? r.failures.join('; ') : 'not ok'}`;
    const body = `${describe(r)}\n${r.failures.length > 0 ? r.failures.join('\n') : message}`;
    return {
      index: r.index,
      outcome: 'failure',
      xml: `${open}>\n      <failure message="${xmlAttr(message)}" type="expectation">${xmlText(body)}</failure>\n    </testcase>`,
    };
  }
  return { index: r.index, outcome: 'passed', xml: `${open}/>` };
}

/**
 * `httpVersion`, `savedTo` and the `hash` digest as testcase properties (the per-testcase `<properties>` that
 * pytest writes and GitLab, Jenkins and the GitHub reporters read); empty when there are none.
 */
function properties(r: Result): string {
  const list: Array<[string, string]> = [];
  if (r.httpVersion !== null && r.httpVersion !== undefined) list.push(['httpVersion', r.httpVersion]);
  if (r.savedTo !== null && r.savedTo !== undefined) list.push(['savedTo', r.savedTo]);
  if (r.change !== undefined) list.push(['change', r.change]);
  if (r.cached === true) list.push(['cached', 'true']);
  for (const place of places(r)) list.push(['source', `${place.file}:${place.line}`]);
  if (r.from !== undefined) list.push(['from', r.from]);
  for (const alg of ['sha256', 'sha1', 'md5'] as const) {
    const digest = r[alg];
    if (typeof digest === 'string') list.push([alg, digest]);
  }
  if (list.length === 0) return '';
  const items = list.map(([k, v]) => `        <property name="${k}" value="${xmlAttr(v)}"/>\n`).join('');
  return `      <properties>\n${items}      </properties>\n`;
}

/**
 * A flaky testcase's earlier attempts, in the order Surefire's schema wants them: every
 * `<flakyFailure>`, then every `<flakyError>`.
 */
function flakyAttempts(r: Result): string {
  const retried = r.retried ?? [];
  const one = (a: AttemptFailure, i: number): string => {
    const element = a.error === null ? 'flakyFailure' : 'flakyError';
    const type =
      a.error === null
        ? 'expectation'
        : a.error.phase === undefined
          ? a.error.code
          : `${a.error.code}:${a.error.phase}`;
    const message = attemptProblem(a);
    const trace = `attempt ${i + 1} of ${r.attempts}: ${r.url === null ? r.input : `${r.method} ${r.url}`} → ${
      a.status === null ? 'no response' : `status ${a.status}`
    }\n${message}`;
    return `      <${element} message="${xmlAttr(message)}" type="${xmlAttr(type)}"><stackTrace>${xmlText(trace)}</stackTrace></${element}>\n`;
  };
  const failures = retried.flatMap((a, i) => (a.error === null ? [one(a, i)] : []));
  const errors = retried.flatMap((a, i) => (a.error === null ? [] : [one(a, i)]));
  return failures.join('') + errors.join('');
}

/** First line of a failure/error body: what was asked and what came back. */
function describe(r: Result): string {
  const target = r.url === null ? r.input : `${r.method} ${r.url}`;
  const where = originText(r);
  const line = `${target} → ${r.status === null ? 'no response' : `status ${r.status}`}, ${r.bytes} bytes`;
  return where === null ? line : `${line}\nfound at ${where}`;
}

function classname(url: string | null): string {
  if (url === null) return 'invalid';
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}

/** Seconds with millisecond precision, as JUnit readers expect. */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000';
}
