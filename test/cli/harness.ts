/**
 * Runs the built CLI exactly as a user does: `node bin/fetch-many.js …` in a child process, stdout
 * and stderr pipes (never a TTY), stdin a pipe we write to or /dev/null. Plus the parsers the CLI
 * tests read its output back with (NDJSON, RFC 4180 CSV) and the usage-error check.
 *
 * Needs `dist/` (run `npm run build` first; `npm test` does).
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Result } from '../../src/types.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const BIN = join(ROOT, 'bin', 'fetch-many.js');

if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
}

export interface CliRun {
  /** Exit code, or null when the process was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to a piped stdin, which is then ended. Omitted: stdin is /dev/null. */
  stdin?: string | Buffer;
  /** Keep stdin a pipe and leave it open (the test writes and ends it through `child.stdin`). */
  openStdin?: boolean;
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** The child is killed (SIGKILL) if it runs longer than this. @default 15000 */
  killAfterMs?: number;
}

export interface LiveCli {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited and its pipes are drained. */
  done: Promise<CliRun>;
}

/** A clean environment: no colour forcing or debug switch inherited from whoever runs the tests. */
function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'FETCH_MANY_DEBUG']) delete env[name];
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

/** Starts the CLI and hands back the live process. Every child is killed after `killAfterMs`. */
export function startCli(args: readonly string[], options: CliOptions = {}): LiveCli {
  const piped = options.stdin !== undefined || options.openStdin === true;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: cliEnv(options.env),
    stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  }) as ChildProcessWithoutNullStreams;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  // The CLI may exit (usage error) before reading all we write; that is not the test's failure.
  child.stdin?.on('error', () => {});
  child.stdout.on('error', () => {});
  if (options.stdin !== undefined) child.stdin.end(options.stdin);

  const guard = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 15_000);
  const done = new Promise<CliRun>((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      resolveRun({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
  return {
    child,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8'),
    done,
  };
}

/** Runs the CLI to completion. */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are all the
 * same TTY, so `output` is everything the CLI wrote, merged. `script -e` returns its exit code.
 * Asynchronous on purpose: test servers answer from this same event loop.
 */
export function runOnTty(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; output: string }> {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolveRun) => {
    const child = execFile(
      'script',
      ['-qec', quoted, '/dev/null'],
      { env: cliEnv(env), encoding: 'utf8', timeout: 15_000 },
      (err, stdout) =>
        resolveRun({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, output: stdout }),
    );
    child.stdin?.end();
  });
}

/** Polls `condition` every 10 ms, failing after `timeoutMs` with `what` in the message. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A temp directory removed by the returned `cleanup`. */
export async function tempDir(): Promise<{
  dir: string;
  file(name: string, content: string | Buffer): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'fetch-many-cli-'));
  return {
    dir,
    async file(name, content) {
      const path = join(dir, name);
      await writeFile(path, content);
      return path;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Every line of NDJSON output parsed; the output must end in a newline and hold no blank line. */
export function parseNdjson(stdout: string): Result[] {
  if (stdout === '') return [];
  expect(stdout.endsWith('\n')).toBe(true);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Result);
}

/** The `--json` document. */
export interface JsonReport {
  results: Result[];
  summary: { total: number; ok: number; failed: number; cancelled: number; byError: Record<string, number> };
}

export function parseJsonReport(stdout: string): JsonReport {
  const doc = JSON.parse(stdout) as JsonReport;
  expect(Array.isArray(doc.results)).toBe(true);
  expect(typeof doc.summary).toBe('object');
  return doc;
}

/**
 * A strict RFC 4180 reader: records end in CRLF (§2.1), a field is quoted or holds no quote, CR
 * or LF (§2.6), `""` inside quotes is one quote (§2.7). Anything else throws, so a writer bug
 * shows up here rather than as a misread field.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  if (text === '') return records;
  for (;;) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) throw new Error('CSV: unterminated quoted field');
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const m = /^[^",\r\n]*/.exec(text.slice(i))![0];
      value = m;
      i += m.length;
    }
    record.push(value);
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text.startsWith('\r\n', i)) {
      i += 2;
      records.push(record);
      record = [];
      if (i === text.length) return records;
      continue;
    }
    throw new Error(`CSV: unexpected ${JSON.stringify(text.slice(i, i + 10))} at ${i} (records end in CRLF)`);
  }
}

/** CSV records as objects keyed by the header row; every row must have the header's width. */
export function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) throw new Error('CSV: no header row');
  return rows.map((row) => {
    expect(row).toHaveLength(header.length);
    return Object.fromEntries(header.map((name, i) => [name, row[i] ?? '']));
  });
}

/**
 * A usage error as the brief defines it: exit 2 and exactly one line on stderr, starting with
 * `fetch-many:`, naming what was wrong (`keyword`, case-insensitive), with no stack frames; and
 * nothing on stdout.
 */
export function expectUsageError(run: CliRun, keyword: string | RegExp): void {
  expect(run.code, `stderr: ${run.stderr}`).toBe(2);
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr.endsWith('\n')).toBe(true);
  const lines = run.stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  const [line = ''] = lines;
  expect(line.startsWith('fetch-many: ')).toBe(true);
  if (typeof keyword === 'string') expect(line.toLowerCase()).toContain(keyword.toLowerCase());
  else expect(line).toMatch(keyword);
  expect(run.stdout).toBe('');
}

/** No stack trace or internal error anywhere on stderr. */
export function expectNoCrash(run: CliRun): void {
  expect(run.stderr).not.toMatch(/^\s+at /m);
  expect(run.stderr).not.toContain('internal error');
  expect(run.stderr).not.toMatch(/\b(?:TypeError|RangeError|ReferenceError)\b/);
}
