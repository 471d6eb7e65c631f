/**
 * Issue 9 item 8 (the --help part): help grouped by topic with commander's help groups, ending
 * with a handful of examples; the defaults it shows come from src/config (issue 12 item 12).
 */
import { describe, expect, it } from 'vitest';
import { RUN_OPTIONS } from '../../src/config/run-config.js';
import { runCli } from './harness.js';

describe('--help', () => {
  it('--help all groups the options by topic, in order, and ends with 4 to 6 examples', async () => {
    const run = await runCli(['--help', 'all'], { env: { COLUMNS: '100' } });
    expect(run.code).toBe(0);
    const headings = run.stdout.split('\n').filter((line) => /^[A-Z][^:]*:$/.test(line));
    expect(headings).toEqual([
      'Arguments:',
      'Targets (defaults for what each request carries):',
      'Inputs besides target lists (docs/inputs.md):',
      'Requests:',
      'Timeouts and retries:',
      'TLS and proxies:',
      'Expectations (what counts as ok):',
      'Sharding and resuming (docs/scaling-out.md):',
      'Runs over time (docs/runs-over-time.md):',
      'Output:',
      'Coming from curl:',
      'Exit codes:',
      'Subcommands:',
      'Examples, against fetch-many demo --serve:',
    ]);
    // No option is left in commander's catch-all group.
    expect(run.stdout).not.toContain('\nOptions:');
    const examples = run.stdout
      .slice(run.stdout.indexOf('Examples, against fetch-many demo --serve:\n') + 43)
      .trimEnd()
      .split('\n');
    expect(examples.length).toBeGreaterThanOrEqual(4);
    expect(examples.length).toBeLessThanOrEqual(6);
    for (const line of examples) expect(line).toMatch(/^ {2}(?:cat .*\| )?fetch-many /);
    // Both subcommands are named, so a new user finds the demo from --help alone.
    expect(run.stdout).toMatch(/^ {2}fetch-many merge FILE…/m);
    expect(run.stdout).toMatch(/^ {2}fetch-many demo /m);
  });

  it('puts each flag under its topic', async () => {
    const { stdout } = await runCli(['--help', 'all'], { env: { COLUMNS: '200' } });
    const section = (heading: string): string => {
      const start = stdout.indexOf(`\n${heading}`);
      return stdout.slice(start, stdout.indexOf('\n\n', start + 1));
    };
    expect(section('Requests:')).toContain('--concurrency');
    expect(section('Requests:')).toContain('--per-host');
    expect(section('Timeouts and retries:')).toContain('--retry-delay');
    expect(section('TLS and proxies:')).toContain('--cacert');
    expect(section('TLS and proxies:')).toContain('--proxy');
    expect(section('Expectations')).toContain('--expect <spec>');
    expect(section('Sharding and resuming')).toContain('--shard <i/n>');
    expect(section('Sharding and resuming')).toContain('--resume <file>');
    expect(section('Output:')).toContain('--junit');
    expect(section('Output:')).toContain('--help');
  });

  it('shows the defaults of src/config', async () => {
    const { stdout } = await runCli(['--help', 'all'], { env: { COLUMNS: '300' } });
    for (const spec of Object.values(RUN_OPTIONS)) {
      const cli = spec.cli;
      if (cli?.defaultText === undefined) continue;
      const line = stdout.split('\n').find((l) => l.includes(cli.flags));
      expect(line, cli.flags).toContain(`(default: ${cli.defaultText})`);
    }
    expect(stdout).toMatch(/--retry-delay <dur> .*\(default: 1s\)/);
    expect(stdout).toMatch(/--per-host <n> .*\(default: --concurrency, half of it until the origin first answers\)/);
  });
});
