import { Command, Option } from 'commander';
import { CLI_FLAGS, type CliOnlyFlag } from '../config/cli-flags.js';
import { HELP_GROUPS, type HelpGroup } from '../config/groups.js';
import { type CliFlag, RUN_OPTIONS } from '../config/run-config.js';
import { VERSION } from '../version.js';

/**
 * The options exactly as commander hands them over, before validation, keyed by commander's
 * attribute name (`--per-host` → `perHost`). Flags come from src/config: run options from
 * run-config.ts, CLI-only flags from cli-flags.ts.
 */
export type RawOptions = Record<string, string | string[] | boolean | undefined>;

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function helpText(flag: CliFlag): string {
  return flag.defaultText === undefined ? flag.help : `${flag.help} (default: ${flag.defaultText})`;
}

/** Flags in table order, each one with `after` moved behind the flag it names. */
function inHelpOrder(flags: readonly CliOnlyFlag[]): CliOnlyFlag[] {
  const ordered = flags.filter((f) => f.after === undefined);
  for (const flag of flags) {
    if (flag.after === undefined) continue;
    const at = ordered.findIndex((f) => new Option(f.flags).long === flag.after);
    ordered.splice(at === -1 ? ordered.length : at + 1, 0, flag);
  }
  return ordered;
}

/** The commander attribute a run option's flag sets (`--cacert` → `cacert`). */
export function attributeOf(flags: string): string {
  return new Option(flags).attributeName();
}

/** Builds the commander program. Parsing only: validation lives in options.ts and src/config. */
export function buildProgram(): Command {
  const program = new Command('fetch-many')
    .description(
      // No hard line breaks: commander wraps to the terminal width, and a '\n' mid-sentence
      // left a ragged line in --help.
      'Fetch many URLs at once through one multiplexed socket engine, and report status, bytes, ' +
        'timings and errors for every one of them.',
    )
    .argument(
      '[targets...]',
      'URLs (http://, https://), host[:port][/path] shorthand, target files (.json, or one target ' +
        'per line), or - for stdin. With no targets and stdin not a terminal, targets are read from stdin.',
    );
  const runFlags = Object.values(RUN_OPTIONS)
    .map((spec) => ('cli' in spec ? spec.cli : undefined))
    .filter((cli): cli is CliFlag => cli !== undefined);
  for (const group of Object.keys(HELP_GROUPS) as HelpGroup[]) {
    const heading = HELP_GROUPS[group];
    const flags: CliOnlyFlag[] = [...runFlags, ...CLI_FLAGS].filter((f) => f.group === group);
    for (const flag of inHelpOrder(flags)) {
      const option = new Option(flag.flags, helpText(flag)).helpGroup(heading);
      if (flag.repeatable === true) option.argParser(collect);
      if (flag.conflicts !== undefined) option.conflicts([...flag.conflicts]);
      if (flag.choices !== undefined) option.choices([...flag.choices]);
      if (flag.hidden === true) option.hideHelp();
      program.addOption(option);
    }
  }
  program.version(VERSION, '-V, --version', 'print the version');
  program.addHelpOption(new Option('-h, --help', 'show this help').helpGroup(HELP_GROUPS.output));
  for (const option of program.options) {
    if (option.long === '--version') option.helpGroup(HELP_GROUPS.output);
  }
  return program.addHelpText(
    'after',
    `
Exit codes:
  0  every target ok: no error, status expected (default 200-399), every expectation held
  1  at least one target failed
  2  usage error (bad flag, unreadable file, malformed JSON, no targets), or the input
     failed mid-run (e.g. stdin reset): what was read is still run and reported
  130 / 143  interrupted by SIGINT / SIGTERM, at any moment (results so far are still
     reported, every report valid); a second signal exits at once
  141  stopped early because stdout's reader went away (e.g. | head), as SIGPIPE would

Subcommands:
  fetch-many merge FILE…  one report from the NDJSON results of shards or resumed runs (merge --help)
  fetch-many diff OLD NEW what changed between two runs' NDJSON results, without fetching (diff --help)
  fetch-many demo         run against built-in demo targets on loopback; demo --serve keeps them up

Examples:
  fetch-many https://example.com 127.0.0.1:8080/health
  fetch-many urls.json --junit smoke.xml
  cat urls.txt | fetch-many -c 100 --ndjson > results.ndjson
  fetch-many --expect-header 'Content-Type: application/json' --expect-time 500ms https://example.com/api
  fetch-many -d @payload.json -H 'Content-Type: application/json' https://example.com/items
  fetch-many --shard 2/4 --ndjson urls.txt > shard-2.ndjson`,
  );
}
