/**
 * Issue 9, item 3, as a user meets it: the table on a real pseudo-terminal (util-linux `script`,
 * its size set with `stty`) at 60, 80, 120 and 200 columns, all ok and with errors, long URLs and
 * wide error messages: no line is wider than the terminal. Into a pipe: `COLUMNS` when set, else
 * 160. Rows stream, on a terminal and into a pipe: the first row is out while a later target is
 * still running. On interrupt, cancelled targets collapse into one line.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/report/sanitize.js';
import { startHttpServer, startRefusedPort, type TestServer } from '../helpers/servers.js';
import { BIN, runCli, startCli, tempDir, waitFor } from './harness.js';

let server: TestServer;
let refusedUrl = '';
let tmp: Awaited<ReturnType<typeof tempDir>>;
/** A target file whose one target fails an expectation with a wide message (and has a wide name). */
let wideErrorFile = '';

beforeAll(async () => {
  server = await startHttpServer();
  refusedUrl = `http://127.0.0.1:${await startRefusedPort()}`;
  tmp = await tempDir();
  wideErrorFile = await tmp.file(
    'wide.json',
    JSON.stringify([
      { url: `${server.url}/ok?wide`, expect: { bodyIncludes: `needle ${'and more words '.repeat(25)}` } },
      { url: `${server.url}/ok?named`, name: `a name ${'that goes on '.repeat(20)}` },
    ]),
  );
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const SGR = /\x1b\[[0-9;?]*[a-zA-Z]/g;

/** Runs the CLI on a pty of the given width; the output as the terminal got it, CRLF → LF, SGR removed. */
function runOnTtyWidth(args: readonly string[], columns: number): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, BIN, '--no-progress', ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', `stty cols ${columns} rows 50; exec ${quoted}`, '/dev/null'],
      { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined } },
      (err, stdout) =>
        resolve({
          code: err === null ? 0 : typeof err.code === 'number' ? err.code : null,
          output: stdout.replace(/\r\n/g, '\n').replace(SGR, ''),
        }),
    );
    child.stdin?.end();
  });
}

function widest(output: string): number {
  return Math.max(...output.split('\n').map((l) => displayWidth(l)));
}

const allOk = (): string[] => [
  `${server.url}/ok`,
  `${server.url}/ok/api/v2/items/1001?include=details&fields=name,price,stock`,
  `${server.url}/ok/api/v2/${'segment/'.repeat(12)}items/1002`,
  `${server.url}/ok/api/v2/${'segment/'.repeat(12)}items/1003`,
];
const mixed = (): string[] => [
  ...allOk(),
  `${server.url}/status/404`,
  `${refusedUrl}/health`,
  `${server.url}/status/503`,
  wideErrorFile,
];

describe('the table on a terminal', () => {
  it.each([60, 80, 120, 200])(
    'fits %i columns, all ok and with errors',
    async (columns) => {
      for (const targets of [allOk(), mixed()]) {
        const run = await runOnTtyWidth(targets, columns);
        expect(run.output).toContain('targets:');
        expect(widest(run.output), run.output).toBeLessThanOrEqual(columns);
        // Rows that differ only at the end of a long path stay distinct.
        expect(run.output).toMatch(/1002 +200/);
        expect(run.output).toMatch(/1003 +200/);
      }
    },
    60_000,
  );
});

/** What the screen shows: per line, a CR goes back to column 0 and `ESC[2K` erases the line. */
function screen(raw: string): string[] {
  return raw.split('\n').map((line) => {
    const parts = line.split('\r');
    return (parts.at(-1) ?? '').replace(/\x1b\[2K/g, '');
  });
}

describe('the table and the progress line on one terminal', () => {
  it('erases the progress line before each row: no row shares a line with it', async () => {
    const quoted = [process.execPath, BIN, `${server.url}/ok?p=1`, `${server.url}/slow/1600`, `${server.url}/ok?p=3`]
      .map((a) => `'${a}'`)
      .join(' ');
    const raw = await new Promise<string>((resolve) => {
      const child = execFile(
        'script',
        ['-qec', `stty cols 100 rows 50; exec ${quoted}`, '/dev/null'],
        { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } },
        (_err, stdout) => resolve(stdout.replace(/\r\n/g, '\n')),
      );
      child.stdin?.end();
    });
    // The progress line was drawn (the run took over a second)...
    expect(raw).toMatch(/\d+\/3 \d+% · [\d.]+ req\/s/);
    // ...and what is left on screen is rows and the summary, each on a line of its own.
    const lines = screen(raw).filter((l) => l !== '');
    expect(lines.some((l) => /req\/s/.test(l) && /slow\/1600/.test(l))).toBe(false);
    expect(lines.filter((l) => /^ +\d+ {2}http/.test(l))).toHaveLength(3);
  });
});

describe('the table into a pipe', () => {
  it('is as wide as COLUMNS says, else 160 (a reason under its row is printed whole)', async () => {
    const long = `${server.url}/status/404/${'x'.repeat(400)}`;
    const rowsOnly = (out: string): string =>
      out
        .split('\n')
        .filter((l) => !/^ +↳ /.test(l))
        .join('\n');
    const at100 = await runCli([long, ...mixed()], { env: { COLUMNS: '100' } });
    expect(widest(rowsOnly(at100.stdout))).toBeLessThanOrEqual(100);
    expect(widest(rowsOnly(at100.stdout))).toBeGreaterThan(90);
    const dflt = await runCli([long, ...mixed()], { env: { COLUMNS: undefined } });
    expect(widest(rowsOnly(dflt.stdout))).toBeLessThanOrEqual(160);
    expect(widest(rowsOnly(dflt.stdout))).toBeGreaterThan(140);
    // The wide expectation's reason, whole on its line.
    expect(dflt.stdout).toMatch(/↳ body does not include "needle (and more words ){25}"/);
  });

  it('streams: the first rows are out while a later target is still running', async () => {
    const cli = startCli(['-'], { openStdin: true, env: { COLUMNS: '120' } });
    cli.child.stdin.write(`${server.url}/ok?first\n${server.url}/slow/60000\n`);
    await waitFor(() => /ok\?first/.test(cli.stdout()), 'the first row while the second target runs');
    expect(cli.stdout()).not.toContain('targets:');
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
  });

  it('on interrupt, cancelled targets collapse into one line (with --only-failures too)', async () => {
    for (const [round, extra] of [[], ['--only-failures']].entries()) {
      const cli = startCli([...extra, '-c', '2', '-'], { openStdin: true, env: { COLUMNS: '120' } });
      const lines = [
        `${server.url}/status/500`,
        ...Array.from({ length: 40 }, (_, i) => `${server.url}/slow/60000?r${round}-${i}`),
      ];
      cli.child.stdin.write(`${lines.join('\n')}\n`);
      await waitFor(
        () => server.received.some((r) => r.target === `/slow/60000?r${round}-1`),
        'two slow requests in flight',
      );
      cli.child.kill('SIGINT');
      const run = await cli.done;
      cli.child.stdin.destroy();
      expect(run.code, `${run.signal} ${run.stderr}`).toBe(130);
      expect(run.stdout).not.toMatch(/cancelled:/);
      expect(run.stdout.match(/… \d+ targets cancelled/g)).toHaveLength(1);
      expect(run.stdout).toMatch(/status\/500/);
    }
  }, 30_000);
});
