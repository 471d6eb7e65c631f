/**
 * Issue 23 items 2, 3 and 8 and issue 19 item 3, as a person at a terminal meets them: the CLI
 * on a real pseudo-terminal (util-linux `script`, its size set with `stty`). The target column
 * sized to its content; rows that differ only at the end of their query kept apart; a long
 * reason wrapped on a terminal and whole in a log; the progress bar with its total, % and ETA
 * for a 5,000-target file; ok rows counted instead of scrolled, so failures stay on the last
 * screen (and `--all-rows` to list them); the hint that `-` waits for typed targets, and no
 * progress line drawn over what is typed.
 */
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/report/sanitize.js';
import { startHttpServer, startRefusedPort, type TestServer } from '../helpers/servers.js';
import { BIN, runCli, tempDir, waitFor } from './harness.js';

let server: TestServer;
let refusedUrl = '';
let tmp: Awaited<ReturnType<typeof tempDir>>;
/** One target whose failure message is over 400 characters long. */
let longReasonFile = '';
/** 5,000 targets: three fail (lines 7, 2500 and 4990), the rest are ok. */
let fiveThousand = '';
/** 5,000 targets, each answered after 40 ms. */
let fiveThousandSlow = '';
const NEEDLE = `needle ${'and more words '.repeat(26)}end`;

beforeAll(async () => {
  server = await startHttpServer();
  refusedUrl = `http://127.0.0.1:${await startRefusedPort()}`;
  tmp = await tempDir();
  longReasonFile = await tmp.file(
    'long.json',
    JSON.stringify([{ url: `${server.url}/ok?long`, expect: { bodyIncludes: NEEDLE } }]),
  );
  const failing = new Set([7, 2500, 4990]);
  fiveThousand = await tmp.file(
    'five-thousand.txt',
    `${Array.from({ length: 5000 }, (_, i) => (failing.has(i + 1) ? `${server.url}/status/500?n=${i + 1}` : `${server.url}/ok?n=${i + 1}`)).join('\n')}\n`,
  );
  fiveThousandSlow = await tmp.file(
    'five-thousand-slow.txt',
    `${Array.from({ length: 5000 }, (_, i) => `${server.url}/slow/40?n=${i + 1}`).join('\n')}\n`,
  );
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

const SGR = /\x1b\[[0-9;?]*m/g;

/** Runs the CLI on a pty of the given size; the output as the terminal got it, CRLF → LF, colour removed. */
function onTty(
  args: readonly string[],
  size: { columns: number; rows?: number },
  timeout = 60_000,
): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-qec', `stty cols ${size.columns} rows ${size.rows ?? 50}; exec ${quoted}`, '/dev/null'],
      {
        encoding: 'utf8',
        timeout,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
      },
      (err, stdout) =>
        resolve({
          code: err === null ? 0 : typeof err.code === 'number' ? err.code : null,
          output: stdout.replace(/\r\n/g, '\n').replace(SGR, ''),
        }),
    );
    child.stdin?.end();
  });
}

/** What the screen shows, line by line: a CR goes back to column 0 and `ESC[2K` erases the line. */
function screen(raw: string): string[] {
  return raw.split('\n').map((line) => (line.split('\r').at(-1) ?? '').replace(/\x1b\[2K/g, ''));
}

function widest(output: string): number {
  return Math.max(...screen(output).map((l) => displayWidth(l)));
}

describe('the target column on a terminal (issue 23 item 3)', () => {
  const query = '/ok/search?q=something&sort=desc&page=3&per_page=100&item=';
  const targets = (): string[] => [
    `${server.url}/ok`,
    `${server.url}${query}1`,
    `${server.url}${query}2`,
    `${refusedUrl}/x`,
  ];

  it.each([60, 80])(
    'keeps rows that differ only at the end of their query apart at %i columns',
    async (columns) => {
      const run = await onTty(['--no-progress', ...targets()], { columns });
      expect(widest(run.output), run.output).toBeLessThanOrEqual(columns);
      const rows = screen(run.output).filter((l) => /^ +[23] {2}http/.test(l));
      expect(rows, run.output).toHaveLength(2);
      expect(rows[0]).toMatch(/^ +2 {2}http:\/\/127\.0\.0\.1:\d+\S*item=1 +200 /);
      expect(rows[1]).toMatch(/^ +3 {2}http:\/\/127\.0\.0\.1:\d+\S*item=2 +200 /);
      expect(rows[0]).toContain('…');
    },
    60_000,
  );

  it.each([120, 200])(
    'is as wide as the widest target at %i columns, no wider',
    async (columns) => {
      const run = await onTty(['--no-progress', ...targets()], { columns });
      const lines = screen(run.output);
      expect(widest(run.output), run.output).toBeLessThanOrEqual(columns);
      const longest = `${server.url}${query}1`.length;
      const header = lines.find((l) => /^ +# {2}target/.test(l)) ?? '';
      // `  #  target…  status`: the column is as wide as the longest URL.
      expect(header.indexOf('status') - '  #  '.length - 2 + 'status'.length - 6, header).toBe(longest);
      expect(lines.some((l) => l.includes(`${server.url}${query}2 `))).toBe(true);
    },
    60_000,
  );
});

describe('reasons are never cut (issue 19 item 3)', () => {
  it('prints a 400-character reason whole at 160 columns with stdout a file', async () => {
    const run = await runCli([longReasonFile], { env: { COLUMNS: '160' } });
    expect(run.code).toBe(1);
    const reason = run.stdout.split('\n').find((l) => l.includes('↳')) ?? '';
    expect(reason.length).toBeGreaterThan(400);
    expect(reason).toContain(`"${NEEDLE}"`);
    expect(run.stdout).not.toContain('…');
  });

  it('wraps it between words on an 80-column terminal, never with …', async () => {
    const run = await onTty(['--no-progress', longReasonFile], { columns: 80 });
    expect(run.output).not.toContain('…');
    const lines = screen(run.output);
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(80);
    const start = lines.findIndex((l) => /^ +↳ /.test(l));
    expect(start, run.output).toBeGreaterThan(0);
    const block = [lines[start] ?? ''];
    for (const line of lines.slice(start + 1)) {
      if (!/^ {7}\S/.test(line)) break;
      block.push(line);
    }
    expect(block.length).toBeGreaterThan(4);
    // No word was cut: the wrapped lines put back together are the message.
    expect(block.map((l) => l.trim().replace(/^↳ /, '')).join(' ')).toContain(`"${NEEDLE}"`);
  }, 60_000);
});

describe('progress and rows on a terminal (issue 23 item 2)', () => {
  it('draws a bar with the total, % and ETA for a 5,000-target file against a slow server', async () => {
    const run = await onTty(['-c', '50', fiveThousandSlow], { columns: 100, rows: 30 }, 120_000);
    expect(run.code, run.output.slice(-2000)).toBe(0);
    const bars = run.output.match(/\[[#.]+\] \d+\/5000 \d+% · [\d.]+ req\/s · 0 failed · ETA \d+:\d\d/g) ?? [];
    expect(bars.length, run.output.slice(0, 2000)).toBeGreaterThan(0);
    // The total was final from the first bar on: the file was counted ahead of the run.
    expect(run.output).not.toMatch(/\/\d+\+ ·/);
    expect(run.output).toContain('5000 targets: 5000 ok');
  }, 150_000);

  it('leaves the failures and the summary on the last screen of a 5,000-target run', async () => {
    const rows = 30;
    const run = await onTty([fiveThousand], { columns: 100, rows }, 120_000);
    expect(run.code).toBe(1);
    const lines = screen(run.output);
    while (lines.at(-1) === '') lines.pop();
    const last = lines.slice(-(rows - 1)).join('\n');
    for (const n of [7, 2500, 4990]) expect(last, last).toMatch(new RegExp(`^ *${n} {2}http\\S+n=${n} +500 `, 'm'));
    expect(last).toContain('… 4997 ok rows not shown (--all-rows lists them)');
    expect(last).toMatch(/5000 targets: 4997 ok, 3 failed/);
    // Only the failures were listed.
    expect(lines.filter((l) => /^ *\d+ {2}http/.test(l))).toHaveLength(3);
  }, 150_000);

  it('--all-rows lists every row on a terminal; into a pipe every row is listed as before', async () => {
    const all = await onTty(['--all-rows', '--no-progress', fiveThousand], { columns: 100, rows: 30 }, 120_000);
    expect(screen(all.output).filter((l) => /^ *\d+ {2}http/.test(l))).toHaveLength(5000);
    const piped = await runCli([fiveThousand], { killAfterMs: 120_000 });
    expect(piped.stdout.split('\n').filter((l) => /^ *\d+ {2}http/.test(l))).toHaveLength(5000);
    expect(piped.stdout).not.toContain('not shown');
  }, 250_000);
});

describe('typing targets at the terminal (issue 23 item 8)', () => {
  it('says it waits for input, and draws no progress line over what is typed', async () => {
    const child = spawn(
      'script',
      ['-qec', `stty cols 100 rows 30; exec '${process.execPath}' '${BIN}' -`, '/dev/null'],
      { env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    const text = (): string => Buffer.concat(out).toString('utf8');
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    await waitFor(() => text().includes('reading targets from the terminal'), 'the hint', 20_000);
    // A target that takes longer than the progress line's delay (1 s), typed while more may come.
    child.stdin.write(`${server.url}/slow/1500?typed=1\n`);
    await waitFor(() => /typed=1 +200/.test(text()), 'the first row', 20_000);
    child.stdin.write(`${server.url}/ok?typed=2\n`);
    await waitFor(() => /typed=2 +200/.test(text()), 'the second row', 20_000);
    child.stdin.write('\x04');
    await closed;
    clearTimeout(guard);
    const output = text();
    expect(output).toContain('fetch-many: reading targets from the terminal, one per line; end with Ctrl-D');
    expect(output).toContain('2 targets: 2 ok');
    // The progress line erases its line before each redraw: it was never drawn.
    expect(output).not.toContain('\x1b[2K');
  }, 60_000);
});
