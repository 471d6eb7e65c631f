/**
 * The table of stdout formats (src/cli/formats.ts) decides, for every row: the flag of a run (in
 * the Output group, with its help line), of `merge` and of `diff`; that two formats at once and a
 * format with `--every` are refused; which format a command line chose; the reporter, and
 * whether the summary goes to stderr and `--only-failures` filters. Each test walks the rows, so a
 * new row is checked without a new test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { HELP_GROUPS } from '../../src/config/groups.js';
import { buildDiffProgram } from '../../src/cli/diff.js';
import {
  FORMAT_FLAGS,
  type FormatName,
  outputFormat,
  STDOUT_FORMATS,
  type StdoutFormat,
} from '../../src/cli/formats.js';
import { buildMergeProgram } from '../../src/cli/merge.js';
import { buildProgram } from '../../src/cli/program.js';
import { createReporters, type ReportConfig } from '../../src/cli/reporters.js';
import { makeError, makeResult, memoryOutput, summaryOf } from '../report/helpers.js';
import { expectUsageError, ROOT, runCli } from './harness.js';

const rows: readonly StdoutFormat[] = STDOUT_FORMATS;
const flagOf = (row: StdoutFormat): string => `--${row.name}`;
const pairs = rows.flatMap((a, i) => rows.slice(i + 1).map((b) => [a, b] as const));

/** The three commands that write a report, each with the arguments it needs besides the flags. */
const commands: ReadonlyArray<{ name: string; build: () => Command; args: string[] }> = [
  { name: 'a run', build: () => buildProgram(), args: ['http://127.0.0.1:1/'] },
  { name: 'merge', build: buildMergeProgram, args: ['a.ndjson'] },
  { name: 'diff', build: buildDiffProgram, args: ['old.ndjson', 'new.ndjson'] },
];

/** Parses without exiting or printing; returns commander's error, or the options. */
function parse(build: () => Command, argv: string[]): CommanderError | Record<string, unknown> {
  const program = build()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    program.parse(argv, { from: 'user' });
    return program.opts();
  } catch (err) {
    if (err instanceof CommanderError) return err;
    throw err;
  }
}

describe('the format table', () => {
  it('has rows with a name, a help line and a reporter, each name once', () => {
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(row.help.trim()).not.toBe('');
      expect(typeof row.create).toBe('function');
      if (row.short !== undefined) expect([...row.short].length).toBeLessThanOrEqual(55);
    }
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    expect(rows.map((r) => r.name)).not.toContain('table');
  });

  it("gives a run each row's flag in the Output group of --help, with its help line", () => {
    const program = buildProgram();
    for (const row of rows) {
      const option = program.options.find((o) => o.long === flagOf(row));
      expect(option, flagOf(row)).toBeDefined();
      expect(option?.description).toBe(row.help);
      expect(option?.helpGroupHeading).toBe(HELP_GROUPS.output);
    }
    // The short --help shows the short line where the row has one, and leaves the others out.
    const short = buildProgram({ kind: 'short' });
    for (const row of rows) {
      const option = short.options.find((o) => o.long === flagOf(row));
      expect(option?.hidden, flagOf(row)).toBe(row.short === undefined);
      if (row.short !== undefined) expect(option?.description).toBe(row.short);
    }
  });

  it("gives merge and diff each row's flag, with their own help line where the row has one", () => {
    for (const [command, build] of [
      ['merge', buildMergeProgram],
      ['diff', buildDiffProgram],
    ] as const) {
      const program = build();
      for (const row of rows) {
        const option = program.options.find((o) => o.long === flagOf(row));
        expect(option, `${command} ${flagOf(row)}`).toBeDefined();
        const help = (command === 'diff' ? row.diffHelp : undefined) ?? row.mergeHelp ?? row.help;
        expect(option?.description).toBe(help);
      }
    }
  });

  it('refuses any two formats at once, in a run, merge and diff, naming both flags', () => {
    expect(pairs.length).toBe((rows.length * (rows.length - 1)) / 2);
    for (const { name, build, args } of commands) {
      for (const [a, b] of pairs) {
        for (const order of [
          [flagOf(a), flagOf(b)],
          [flagOf(b), flagOf(a)],
        ]) {
          const got = parse(build, [...order, ...args]);
          expect(got, `${name} ${order.join(' ')}`).toBeInstanceOf(CommanderError);
          const err = got as CommanderError;
          expect(err.code).toBe('commander.conflictingOption');
          // The flag of the row above names the one below, whichever was typed first (as before the table).
          expect(err.message).toBe(`error: option '${flagOf(a)}' cannot be used with option '${flagOf(b)}'`);
        }
      }
    }
  });

  it('refuses every format with --every, which names the format', () => {
    for (const row of rows) {
      const got = parse(() => buildProgram(), [flagOf(row), '--every', '1m', 'http://127.0.0.1:1/']);
      expect(got, flagOf(row)).toBeInstanceOf(CommanderError);
      expect((got as CommanderError).message).toBe(
        `error: option '--every <dur>' cannot be used with option '${flagOf(row)}'`,
      );
    }
  });

  it('chooses the row whose flag was given, and the table without one', () => {
    for (const { name, build, args } of commands) {
      expect(outputFormat(parse(build, args) as Record<string, unknown>), name).toBe('table');
      for (const row of rows) {
        const opts = parse(build, [flagOf(row), ...args]);
        expect(outputFormat(opts as Record<string, unknown>), `${name} ${flagOf(row)}`).toBe(row.name);
      }
    }
  });

  it("builds each row's reporter, which writes the failed result to stdout", async () => {
    const results = [makeResult({ index: 0 }), makeError(1, { code: 'refused', message: 'connection refused' })];
    for (const row of rows) {
      const { out, text } = memoryOutput();
      const reporter = row.create(out);
      for (const r of results) reporter.result(r);
      await reporter.end(summaryOf(results));
      expect(text(), row.name).toContain(results[1]?.url);
    }
  });

  it('puts the summary on stderr unless the document has it', async () => {
    const results = [makeResult({ index: 0 }), makeError(1, { code: 'refused', message: 'connection refused' })];
    for (const row of rows) {
      const run = await report(row.name as FormatName, false, results);
      expect(run.stdout, row.name).toContain(results[1]?.url);
      // The summary line (formatSummary: "2 targets: 1 ok, 1 failed…"), on stderr or not there at all.
      expect(run.stderr.includes('2 targets'), row.name).toBe(row.ownSummary !== true);
    }
  });

  it('lets --only-failures keep ok and flaky results from the reporter, unless the row picks its own rows', async () => {
    const ok = makeResult({ index: 0, url: 'http://127.0.0.1:8080/fine' });
    const flaky = makeResult({ index: 1, url: 'http://127.0.0.1:8080/shaky', flaky: true, attempts: 2 });
    const failed = makeError(2, { code: 'refused', message: 'connection refused' });
    for (const row of rows) {
      const all = await report(row.name as FormatName, false, [ok, flaky, failed]);
      const some = await report(row.name as FormatName, true, [ok, flaky, failed]);
      expect(some.stdout, row.name).toContain(failed.url);
      if (row.ignoresOnlyFailures === true) {
        // Markdown lists the flaky target in both, which a filter in front of it would drop.
        expect(some.stdout, row.name).toBe(all.stdout);
      } else {
        for (const shown of [ok, flaky]) {
          expect(all.stdout, row.name).toContain(shown.url);
          expect(some.stdout, row.name).not.toContain(shown.url);
        }
      }
      expect(some.stderr, row.name).toBe(all.stderr);
    }
  });

  it('has a section in docs/formats.md and an entry in docs/options.md for every row', () => {
    const formats = readFileSync(join(ROOT, 'docs', 'formats.md'), 'utf8');
    const options = readFileSync(join(ROOT, 'docs', 'options.md'), 'utf8');
    for (const row of rows) {
      expect(formats, flagOf(row)).toContain(`## \`${flagOf(row)}\``);
      expect(options, flagOf(row)).toContain(flagOf(row));
    }
  });

  it('gives a run the same format flags as the option table lists for --help', () => {
    expect(FORMAT_FLAGS.map((f) => f.flags)).toEqual(rows.map(flagOf));
  });
});

describe('the format flags through the CLI', () => {
  it.each([
    ['a run', ['http://127.0.0.1:1/']],
    ['merge', ['merge', 'a.ndjson']],
    ['diff', ['diff', 'old.ndjson', 'new.ndjson']],
  ])('%s: two formats are a usage error (exit 2) before anything is read', async (_name, args) => {
    const [a, b] = pairs.at(-1) ?? [];
    if (a === undefined || b === undefined) throw new Error('the table needs two rows for this test');
    const [first, ...rest] = args as [string, ...string[]];
    const argv = first.startsWith('http') ? [flagOf(b), flagOf(a), first] : [first, flagOf(b), flagOf(a), ...rest];
    expectUsageError(await runCli(argv), `option '${flagOf(a)}' cannot be used with option '${flagOf(b)}'`);
  });
});

/** One report through createReporters, as a run or merge builds it; stdout and stderr as text. */
async function report(
  format: FormatName,
  onlyFailures: boolean,
  results: ReturnType<typeof makeResult>[],
): Promise<{ stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  const config: ReportConfig = {
    format,
    redactHeaders: [],
    defaults: { headers: [] },
    onlyFailures,
    allRows: true,
    quiet: false,
    progress: false,
    color: false,
  };
  const io = {
    stdin: process.stdin,
    stdout: stdout.stream as NodeJS.WriteStream,
    stderr: stderr.stream as NodeJS.WriteStream,
    env: {},
  };
  const reporters = await createReporters(config, io);
  for (const r of results) reporters.result(r);
  await reporters.end(1000);
  return { stdout: stdout.text(), stderr: stderr.text() };
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      chunks.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}
