import { randomBytes } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Result } from '../types.js';
import type { Reporter } from './reporter.js';
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
 *   run's exit code, not this file, says the run was cancelled.
 *
 * `name` is the target's name, else `METHOD url`, else (invalid target) its input. `classname`
 * is the URL's host[:port], or `invalid`. Times are seconds. The file is written once, at
 * `end()` (which the CLI also calls on cancel), to a temp file in the same directory that is then
 * renamed over `path`, so a reader never sees half a file. Every testcase is held until then
 * (as a few hundred bytes of XML).
 */
export function createJUnitReporter(path: string): Reporter {
  const cases: Case[] = [];
  let ended: Promise<void> | null = null;

  return {
    result(r: Result): void {
      if (ended === null) cases.push(toCase(r));
    },
    end(summary: Summary): Promise<void> {
      ended ??= writeAtomically(path, render(cases, summary, Date.now() - summary.wallMs));
      return ended;
    },
  };
}

function toCase(r: Result): Case {
  const c = plainCase(r);
  const props = properties(r);
  if (props === '') return c;
  // Properties go first inside the testcase; a passed case stops being self-closing.
  const xml = c.xml.endsWith('/>')
    ? `${c.xml.slice(0, -2)}>\n${props}    </testcase>`
    : c.xml.replace('>\n', `>\n${props}`);
  return { ...c, xml };
}

function plainCase(r: Result): Case {
  const name = r.name ?? (r.url === null ? r.input : `${r.method} ${r.url}`);
  const open =
    `    <testcase name="${xmlAttr(name)}" classname="${xmlAttr(classname(r.url))}"` +
    ` time="${seconds(r.timings.total)}"`;
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
      xml: `${open}>\n      <error message="${xmlAttr(e.message)}" type="${xmlAttr(type)}">${xmlText(body)}</error>\n    </testcase>`,
    };
  }
  if (!r.ok) {
    // ok is false without an error only when an expectation failed; say so even if the engine
    // left `failures` empty.
    const message = r.failures.length > 0 ? r.failures.join('; ') : 'not ok';
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
 * `savedTo` and the `hash` digest as testcase properties (the per-testcase `<properties>` that
 * pytest writes and GitLab, Jenkins and the GitHub reporters read); empty when there are none.
 */
function properties(r: Result): string {
  const list: Array<[string, string]> = [];
  if (r.savedTo !== null && r.savedTo !== undefined) list.push(['savedTo', r.savedTo]);
  for (const alg of ['sha256', 'sha1', 'md5'] as const) {
    const digest = r[alg];
    if (typeof digest === 'string') list.push([alg, digest]);
  }
  if (list.length === 0) return '';
  const items = list.map(([k, v]) => `        <property name="${k}" value="${xmlAttr(v)}"/>\n`).join('');
  return `      <properties>\n${items}      </properties>\n`;
}

/** First line of a failure/error body: what was asked and what came back. */
function describe(r: Result): string {
  const target = r.url === null ? r.input : `${r.method} ${r.url}`;
  return `${target} → ${r.status === null ? 'no response' : `status ${r.status}`}, ${r.bytes} bytes`;
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

function render(cases: Case[], summary: Summary, startedAt: number): string {
  cases.sort((a, b) => a.index - b.index);
  const n = { failure: 0, error: 0, skipped: 0 };
  for (const c of cases) if (c.outcome !== 'passed') n[c.outcome]++;
  const counts =
    `tests="${cases.length}" failures="${n.failure}" errors="${n.error}" skipped="${n.skipped}"` +
    ` time="${seconds(summary.wallMs)}"`;
  // xs:dateTime, UTC, whole seconds: what Ant's formatter wrote and every reader accepts.
  const timestamp = `${new Date(startedAt).toISOString().slice(0, 19)}Z`;
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fetch-many" ${counts}>`,
    `  <testsuite name="fetch-many" ${counts} timestamp="${timestamp}">`,
  ];
  for (const c of cases) parts.push(c.xml);
  parts.push('  </testsuite>', '</testsuites>', '');
  return parts.join('\n');
}

/** Temp file in the same directory (so rename is atomic on POSIX), then rename over `path`. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
