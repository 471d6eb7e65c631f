/**
 * `--openmetrics FILE` and `--every DUR` (issue 20, item 5). The file is checked by a strict
 * OpenMetrics parser: prometheus_client's, from Debian's python3-prometheus-client
 * (`apt-get install -y python3-prometheus-client`; the test fails, never skips, when it is
 * missing). `--every 1s` rewrites the file each round and exits 130 on SIGINT with the last round
 * complete.
 */
import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, startHttpServer, startHttpsServer } from '../helpers/servers.js';
import { expectNoCrash, runCli, startCli, tempDir, waitFor } from '../cli/harness.js';
import { createOpenMetricsReporter } from '../../src/report/openmetrics.js';
import { SummaryCollector } from '../../src/report/summary.js';
import { makeResult } from '../report/helpers.js';
import { startChangingServer } from './server.js';

const PARSER = fileURLToPath(new URL('./openmetrics-parser.py', import.meta.url));
/** Debian's interpreter: the package installs the module for it (not for a pyenv python on PATH). */
const PYTHON = '/usr/bin/python3';
const SELF_SIGNED = fileURLToPath(new URL('../fixtures/tls/self-signed.pem', import.meta.url));

interface Family {
  name: string;
  type: string;
  unit: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

/** Parses `path` strictly; throws with the parser's message when the file is not OpenMetrics. */
function parseOpenMetrics(path: string): Promise<Family[]> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PARSER, path], { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      if (stderr.includes('MISSING_PARSER') || (err as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
        reject(
          new Error(
            `the strict OpenMetrics parser is missing: install Debian's python3-prometheus-client (apt-get install -y python3-prometheus-client) for ${PYTHON}`,
          ),
        );
      } else if (err !== null) reject(new Error(`not valid OpenMetrics: ${stderr.trim().split('\n').at(-1)}`));
      else resolve(JSON.parse(stdout) as Family[]);
    });
  });
}

let http: TestServer;
let https: TestServer;
let refusedPort: number;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let list: string;
const NAME = 'quote " and backslash \\ end';

beforeAll(async () => {
  http = await startHttpServer();
  https = await startHttpsServer({ cert: 'self-signed' });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  refusedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  tmp = await tempDir();
  list = await tmp.file(
    'list.json',
    JSON.stringify([
      `${http.url}/ok`,
      `${http.url}/status/404`,
      `http://127.0.0.1:${refusedPort}/`,
      { url: `${http.url}/ok?named`, name: NAME },
      { url: `${http.url}/echo`, method: 'POST', body: 'x' },
      `${https.url}/ok`,
    ]),
  );
});
afterAll(async () => {
  await http.close();
  await https.close();
  await tmp.cleanup();
});

const sample = (families: Family[], name: string, where: (l: Record<string, string>) => boolean) =>
  families.find((f) => f.name === name)?.samples.find((s) => where(s.labels));

describe('--openmetrics', () => {
  it('passes the strict parser with blackbox names, escaped labels, a bounded reason, a run summary', async () => {
    const file = `${tmp.dir}/fetch_many.prom`;
    const run = await runCli(['-q', '--cacert', SELF_SIGNED, '--openmetrics', file, list]);
    expectNoCrash(run);
    expect(run.code).toBe(1);
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    const families = await parseOpenMetrics(file);
    expect(families.map((f) => f.name)).toEqual([
      'probe_success',
      'probe_http_status_code',
      'probe_http_content_length',
      'probe_duration_seconds',
      'probe_http_duration_seconds',
      'probe_ssl_earliest_cert_expiry',
      'fetch_many_targets',
      'fetch_many_run_duration_seconds',
      'fetch_many_run_timestamp_seconds',
    ]);
    const success = families.find((f) => f.name === 'probe_success')!.samples;
    expect(success).toHaveLength(6);
    const byTarget = (t: string) => success.find((s) => s.labels.target === t);
    expect(byTarget(`${http.url}/ok`)).toMatchObject({ value: 1, labels: { reason: 'ok', method: 'GET' } });
    expect(byTarget(`${http.url}/status/404`)).toMatchObject({ value: 0, labels: { reason: 'expectation' } });
    expect(byTarget(`http://127.0.0.1:${refusedPort}/`)).toMatchObject({ value: 0, labels: { reason: 'refused' } });
    // The name, with its quote, backslash and newline, comes back exactly through the escaping.
    expect(byTarget(NAME)?.value).toBe(1);
    expect(byTarget(`${http.url}/echo`)?.labels).toMatchObject({ method: 'POST', body: '2d711642b726b044' });
    expect(sample(families, 'probe_http_status_code', (l) => l.target === `${http.url}/status/404`)?.value).toBe(404);
    const phases = families
      .find((f) => f.name === 'probe_http_duration_seconds')!
      .samples.filter((s) => s.labels.target === `${https.url}/ok`)
      .map((s) => s.labels.phase);
    expect(phases).toEqual(['resolve', 'connect', 'tls', 'processing', 'transfer']);
    expect(families.find((f) => f.name === 'probe_http_duration_seconds')?.unit).toBe('seconds');
    // The self-signed fixture expires 2075-01-01.
    expect(sample(families, 'probe_ssl_earliest_cert_expiry', (l) => l.target === `${https.url}/ok`)?.value).toBe(
      Date.parse('2075-01-01T00:00:00Z') / 1000,
    );
    expect(sample(families, 'fetch_many_targets', (l) => l.outcome === 'ok')?.value).toBe(4);
    expect(sample(families, 'fetch_many_targets', (l) => l.outcome === 'failed')?.value).toBe(2);
  });

  it('label values: newline, controls and lone surrogates from a server or a name come through the parser', async () => {
    const file = `${tmp.dir}/labels.prom`;
    const reporter = createOpenMetricsReporter(file);
    const nasty = 'line one\nline "two" \\ \u0007bell \ud800 end';
    reporter.result(makeResult({ index: 0, name: nasty }));
    reporter.result(makeResult({ index: 1, url: 'http://127.0.0.1:8080/π?q="x"' }));
    const collector = new SummaryCollector();
    await reporter.end(collector.summary(1));
    const families = await parseOpenMetrics(file);
    const targets = families.find((f) => f.name === 'probe_success')!.samples.map((s) => s.labels.target);
    expect(targets).toEqual(['line one\nline "two" \\ \ufffdbell \ufffd end', 'http://127.0.0.1:8080/π?q="x"']);
  });

  it('the checker itself refuses a file that is not OpenMetrics', async () => {
    // A UNIT that is not the name's suffix; a family interleaved with another; no # EOF.
    const unit = await tmp.file('unit.prom', '# TYPE a gauge\n# UNIT a seconds\na 1\n# EOF\n');
    await expect(parseOpenMetrics(unit)).rejects.toThrow(/not valid OpenMetrics/);
    const split = await tmp.file('split.prom', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x="1"} 2\n# EOF\n');
    await expect(parseOpenMetrics(split)).rejects.toThrow(/not valid OpenMetrics/);
    const noEof = await tmp.file('no-eof.prom', '# TYPE a gauge\na 1\n');
    await expect(parseOpenMetrics(noEof)).rejects.toThrow(/not valid OpenMetrics/);
  });
});

describe('--every', () => {
  it('--every 1s: the file rewritten each round; SIGINT exits 130 with the last round complete', async () => {
    const file = `${tmp.dir}/every.prom`;
    let rewrites = 0;
    // A rewrite is a rename onto the file's name: one event per round.
    const watcher = watch(dirname(file), (_event, name) => {
      if (name === basename(file)) rewrites++;
    });
    try {
      const live = startCli(['--every', '1s', '--cacert', SELF_SIGNED, '--openmetrics', file, list], {
        killAfterMs: 60_000,
      });
      await waitFor(() => rewrites >= 3, 'the third rewrite of the file', 45_000);
      const rounds = live.stderr().match(/^6 targets: 4 ok, 2 failed/gm)?.length ?? 0;
      expect(rounds).toBeGreaterThanOrEqual(3);
      live.child.kill('SIGINT');
      const run = await live.done;
      expect(run.code, run.stderr).toBe(130);
      expect(run.stdout).toBe('');
      const families = await parseOpenMetrics(file);
      expect(families.find((f) => f.name === 'probe_success')?.samples).toHaveLength(6);
    } finally {
      watcher.close();
    }
  }, 60_000);

  it('SIGINT during a round: that round writes nothing, the file keeps the last complete one', async () => {
    const changing = await startChangingServer();
    const file = `${tmp.dir}/cut.prom`;
    let rewrites = 0;
    const watcher = watch(dirname(file), (_event, name) => {
      if (name === basename(file)) rewrites++;
    });
    try {
      const live = startCli(['--every', '1s', '--openmetrics', file, `${changing.base}/a`, `${changing.base}/b`], {
        killAfterMs: 60_000,
      });
      await waitFor(() => rewrites >= 1, 'the first round written', 30_000);
      const first = await readFile(file, 'utf8');
      // From now on /b never answers: the next round hangs on it until the signal.
      changing.status.set('/b', 0);
      await waitFor(() => (changing.hits.get('/b') ?? 0) >= 2, 'the second round waiting on /b', 30_000);
      live.child.kill('SIGINT');
      const run = await live.done;
      expect(run.code, run.stderr).toBe(130);
      expect(rewrites).toBe(1);
      expect(await readFile(file, 'utf8')).toBe(first);
      const families = await parseOpenMetrics(file);
      expect(families.find((f) => f.name === 'probe_success')?.samples.map((s) => s.value)).toEqual([1, 1]);
    } finally {
      watcher.close();
      await changing.close();
    }
  }, 60_000);

  it('many rounds leave no listener behind on stdout or stderr', async () => {
    // Each round's reports listened for stdout's errors and never stopped: the eleventh round
    // made node warn of a leak, and a long --every grew by one listener a round.
    const live = startCli(['--every', '20ms', '--openmetrics', `${tmp.dir}/rounds.prom`, `${http.url}/ok`], {
      killAfterMs: 60_000,
    });
    await waitFor(() => (live.stderr().match(/^1 target: 1 ok/gm)?.length ?? 0) >= 15, '15 rounds', 45_000);
    live.child.kill('SIGINT');
    const run = await live.done;
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).not.toMatch(/MaxListenersExceededWarning/);
  }, 60_000);

  it('usage errors: with stdin, with a stdout format, a bad duration, with --list', async () => {
    const cases: Array<[string[], RegExp, string?]> = [
      [['--every', '1s', '--openmetrics', `${tmp.dir}/x.prom`], /--every reads the list again/, `${http.url}/ok\n`],
      [
        ['--every', '1s', '--ndjson', list],
        /--every.*cannot be used with option '--ndjson'|'--ndjson' cannot be used with option '--every/,
      ],
      [['--every', 'often', list], /--every.*invalid duration/],
      [
        ['--every', '1s', '--list', list],
        /'--list' cannot be used with option '--every|'--every.*cannot be used with option '--list'/,
      ],
    ];
    for (const [args, message, stdin] of cases) {
      const run = await runCli(args, stdin === undefined ? {} : { stdin });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
    }
  });
});
