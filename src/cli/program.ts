import { Command, Help, Option } from 'commander';
import { CLI_FLAGS, type CliOnlyFlag } from '../config/cli-flags.js';
import { HELP_GROUPS, type HelpGroup } from '../config/groups.js';
import { type CliFlag, RUN_OPTIONS } from '../config/run-config.js';
import { VERSION } from '../version.js';
import { FORMAT_ATTRIBUTES, FORMAT_FLAGS } from './formats.js';
import { helpEpilogue, type HelpView, shownIn, wrap } from './help.js';

/**
 * The options exactly as commander hands them over, before validation, keyed by commander's
 * attribute name (`--per-host` → `perHost`). Flags come from src/config: run options from
 * run-config.ts, CLI-only flags from cli-flags.ts; the stdout formats from ./formats.ts.
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

/**
 * Builds the commander program. Parsing only: validation lives in options.ts and src/config.
 * `view` chooses which options `--help` lists (every option is parsed whatever the view), and
 * `width` is what the help text after the options is wrapped to (see help.ts).
 */
export function buildProgram(view: HelpView = { kind: 'all' }, width = 80): Command {
  const program = new Command('fetch-many')
    .description(
      // No hard line breaks: commander wraps to the terminal width, and a '\n' mid-sentence
      // left a ragged line in --help.
      'Fetch many URLs at once through one multiplexed socket engine (HTTP/1.1 and HTTP/2), and ' +
        'report status, bytes, timings and errors for every one of them.',
    )
    .argument(
      '[targets...]',
      'URLs, host[:port][/path], target files (.json, or one target per line), or - for stdin ' +
        '(read when no target is given and stdin is not a terminal)',
    )
    // Below 30 columns beside the terms, items are laid out under their term (narrowItem).
    .configureHelp({ formatItem: narrowItem, minWidthToWrap: 30 });
  const runFlags = Object.values(RUN_OPTIONS)
    .map((spec) => ('cli' in spec ? spec.cli : undefined))
    .filter((cli): cli is CliFlag => cli !== undefined);
  for (const group of Object.keys(HELP_GROUPS) as HelpGroup[]) {
    const heading = HELP_GROUPS[group];
    // The stdout formats come first among the CLI's own Output flags (see formats.ts).
    const flags: CliOnlyFlag[] = [...runFlags, ...FORMAT_FLAGS, ...CLI_FLAGS].filter((f) => f.group === group);
    for (const flag of inHelpOrder(flags)) {
      const text = view.kind === 'short' && flag.short !== undefined ? flag.short : helpText(flag);
      const option = new Option(flag.flags, text).helpGroup(heading);
      if (flag.repeatable === true) option.argParser(collect);
      if (flag.conflicts !== undefined) option.conflicts([...flag.conflicts]);
      if (flag.notWithFormats === true) option.conflicts([...FORMAT_ATTRIBUTES]);
      if (flag.choices !== undefined) option.choices([...flag.choices]);
      if (flag.hidden === true || !shownIn(view, flag)) option.hideHelp();
      program.addOption(option);
    }
  }
  program.version(VERSION, '-V, --version', 'print the version');
  program.addHelpOption(
    new Option(
      '-h, --help [topic]',
      view.kind === 'short'
        ? 'help: all, or a topic'
        : 'this help; --help all: every option; --help <topic>: one group',
    ).helpGroup(HELP_GROUPS.output),
  );
  for (const option of program.options) {
    if (option.long === '--version') {
      option.helpGroup(HELP_GROUPS.output);
      if (view.kind !== 'all' && !(view.kind === 'topic' && view.group === 'output')) option.hideHelp();
    }
    if (option.long === '--help' && view.kind === 'topic' && view.group !== 'output') option.hideHelp();
  }
  return program.addHelpText('after', helpEpilogue(view, width));
}

/**
 * Commander's item layout (term, two spaces, the description wrapped beside it), except where the
 * description column would be narrower than 30, or than one of its words: there commander stops
 * wrapping, or the word overflows, and the terminal cuts words in half (as --help at 60
 * columns did), so the description goes on the lines under its term instead, indented by 6.
 */
function narrowItem(term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  const beside = width - termWidth - 4;
  const longest = Math.max(0, ...description.split(/\s+/).map((w) => [...w].length));
  if (description === '' || (beside >= 30 && longest <= beside)) {
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  }
  return [`  ${term}`, ...wrap(description, width, 6)].join('\n');
}
