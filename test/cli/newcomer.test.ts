/**
 * Issue 23, items 5 and 7: what a newcomer types first. A short --help (at most 60 lines at 80
 * columns, no line wider than the terminal at 60, loopback examples, a curl hint), every option
 * still in --help all and under its topic, `help` and `version` as first words, and bare words
 * that are neither files nor URLs refused as usage errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_FLAGS } from '../../src/cli/formats.js';
import { CLI_FLAGS } from '../../src/config/cli-flags.js';
import { HELP_GROUPS, type HelpGroup } from '../../src/config/groups.js';
import { RUN_OPTIONS } from '../../src/config/run-config.js';
import { classifyArgument } from '../../src/targets/read/sources.js';
import { VERSION } from '../../src/version.js';
import { expectUsageError, runCli, tempDir } from './harness.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
  await tmp.file('urls.txt', 'http://127.0.0.1:1/\n');
});
afterAll(async () => {
  await tmp.cleanup();
});

const width = (line: string): number => [...line].length;
const allFlags = [
  ...Object.values(RUN_OPTIONS).flatMap((spec) => ('cli' in spec && spec.cli !== undefined ? [spec.cli] : [])),
  ...FORMAT_FLAGS,
  ...CLI_FLAGS.filter((f) => f.hidden !== true),
];
const longName = (flags: string): string => /--[\w.-]+/.exec(flags)?.[0] ?? flags;

describe('--help', () => {
  it('is at most 60 lines at 80 columns, none wider, with the common options of each group', async () => {
    const run = await runCli(['--help'], { env: { COLUMNS: '80' } });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(60);
    expect(lines.filter((l) => width(l) > 80)).toEqual([]);
    for (const flag of allFlags.filter((f) => f.short !== undefined)) expect(run.stdout).toContain(flag.flags);
    expect(run.stdout).not.toContain('--pipeline');
    expect(run.stdout).toContain('fetch-many help <topic>');
  });

  it.each([['--help'], ['--help', 'all'], ...Object.keys(HELP_GROUPS).map((topic) => ['help', topic])])(
    '%s %s breaks no word at 60 columns: no line is wider',
    async (...args) => {
      const run = await runCli(
        args.filter((a) => a !== undefined),
        { env: { COLUMNS: '60' } },
      );
      expect(run.code).toBe(0);
      expect(run.stdout.split('\n').filter((l) => width(l) > 60)).toEqual([]);
    },
  );

  it('has loopback-only examples and a "coming from curl" hint', async () => {
    for (const args of [['--help'], ['--help', 'all']]) {
      const { stdout } = await runCli(args, { env: { COLUMNS: '200' } });
      const examples = stdout.slice(stdout.indexOf('Examples'));
      const hosts = [...examples.matchAll(/(?:https?:\/\/)?([\w.-]+):\d+/g)].map((m) => m[1]);
      expect(hosts.length).toBeGreaterThan(0);
      expect(hosts.every((h) => h === '127.0.0.1')).toBe(true);
      expect(examples).not.toMatch(/example\.com/);
      expect(stdout).toMatch(/Coming from curl:\n {2}-s → -q .*-v .*-o → --output-dir/);
    }
  });

  it('--help all and help <topic> reach every option, each under its own topic', async () => {
    const all = await runCli(['--help', 'all'], { env: { COLUMNS: '200' } });
    for (const flag of allFlags) expect(all.stdout).toContain(flag.flags);
    for (const topic of Object.keys(HELP_GROUPS) as HelpGroup[]) {
      const run = await runCli(['help', topic], { env: { COLUMNS: '200' } });
      expect(run.code).toBe(0);
      for (const flag of allFlags) {
        const listed = new RegExp(`^ {2}${flag.flags.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: |$)`, 'm');
        expect(listed.test(run.stdout), `${longName(flag.flags)} in help ${topic}`).toBe(flag.group === topic);
      }
    }
    // --help <topic> is the same, and a singular works too.
    const flagForm = await runCli(['--help', 'timeout'], { env: { COLUMNS: '200' } });
    expect(flagForm.stdout).toContain('--connect-timeout');
    expect(flagForm.stdout).not.toContain('--concurrency');
  });

  it('an unknown topic is a usage error naming the topics', async () => {
    expectUsageError(await runCli(['help', 'outptu']), 'no help topic "outptu"; did you mean output?');
  });
});

describe('help and version as first words', () => {
  it('fetch-many help is --help, fetch-many version is --version', async () => {
    const help = await runCli(['help'], { env: { COLUMNS: '80' } });
    const flag = await runCli(['--help'], { env: { COLUMNS: '80' } });
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(flag.stdout);
    const version = await runCli(['version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${VERSION}\n`);
    const merge = await runCli(['help', 'merge']);
    expect(merge.code).toBe(0);
    expect(merge.stdout).toContain('fetch-many merge');
  });
});

describe('bare words', () => {
  it('a mistyped file name is a usage error that names the file', async () => {
    expectUsageError(
      await runCli(['urls'], { cwd: tmp.dir }),
      "'urls' is neither a file nor a URL; did you mean urls.txt? (for a host of that name, write http://urls)",
    );
    expectUsageError(await runCli(['url.txt'], { cwd: tmp.dir }), 'no such file: url.txt');
  });

  it('help or version after other arguments points at the flag', async () => {
    expectUsageError(
      await runCli(['http://127.0.0.1:1/', 'help'], { cwd: tmp.dir }),
      "'help' is neither a file nor a URL; did you mean --help?",
    );
    expectUsageError(await runCli(['-c', '2', 'version'], { cwd: tmp.dir }), 'did you mean --version?');
  });

  it('localhost, dotted names, host:port and URLs are still targets; an existing file wins', () => {
    expect(classifyArgument('localhost')).toEqual({ kind: 'arg', value: 'localhost' });
    expect(classifyArgument('LOCALHOST')).toEqual({ kind: 'arg', value: 'LOCALHOST' });
    expect(classifyArgument('example.com')).toEqual({ kind: 'arg', value: 'example.com' });
    expect(classifyArgument('intranet:8080')).toEqual({ kind: 'arg', value: 'intranet:8080' });
    expect(classifyArgument('http://intranet')).toEqual({ kind: 'arg', value: 'http://intranet' });
    expect(() => classifyArgument('intranet')).toThrow("'intranet' is neither a file nor a URL");
  });
});
