import { UsageError } from '../errors.js';
import { HELP_GROUPS, type HelpGroup } from '../config/groups.js';
import { closest } from '../describe.js';

/**
 * What `--help` shows. By default the short help: the common options of each
 * group (the rows marked `short` in src/config), a line naming the topics, a "coming from curl"
 * hint and a few loopback examples — at most 60 lines at 80 columns. `--help all` shows every
 * option, the exit codes and the subcommands; `fetch-many help <topic>` (or `--help <topic>`)
 * one group's options, the topics being the option groups of src/config/groups.ts.
 */
export type HelpView = { kind: 'short' } | { kind: 'all' } | { kind: 'topic'; group: HelpGroup };

export const TOPICS = Object.keys(HELP_GROUPS) as HelpGroup[];

/** Words a person may type for a topic besides its name. */
const TOPIC_ALIASES: Readonly<Record<string, HelpGroup>> = {
  target: 'targets',
  request: 'requests',
  timeout: 'timeouts',
  retries: 'timeouts',
  retry: 'timeouts',
  proxy: 'tls',
  proxies: 'tls',
  expect: 'expectations',
  expectation: 'expectations',
  shard: 'scale',
  sharding: 'scale',
  resume: 'scale',
  formats: 'output',
  format: 'output',
};

/** A topic word (`timeouts`, `timeout`, `all`) → the view; anything else is a usage error with a hint. */
export function topicView(word: string): HelpView {
  const lower = word.toLowerCase();
  if (lower === 'all') return { kind: 'all' };
  const group = (TOPICS as string[]).includes(lower) ? (lower as HelpGroup) : TOPIC_ALIASES[lower];
  if (group !== undefined) return { kind: 'topic', group };
  const near = closest(lower, new Set([...TOPICS, 'all']));
  throw new UsageError(
    `no help topic ${JSON.stringify(word)}${near === null ? '' : `; did you mean ${near}?`} (topics: ${TOPICS.join(', ')}, all)`,
  );
}

/**
 * The help the arguments ask for, or null: `help [topic]` as the first word, or `-h`/`--help`
 * anywhere before `--`, with an optional topic (or `all`) right after it.
 */
export function helpRequest(argv: readonly string[]): HelpView | null {
  if (argv[0] === 'help') return argv[1] === undefined ? { kind: 'short' } : topicView(argv[1]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return null;
    if (arg !== '-h' && arg !== '--help') continue;
    const next = argv[i + 1];
    return next === undefined || next.startsWith('-') ? { kind: 'short' } : topicView(next);
  }
  return null;
}

/** Whether a flag is listed in `view`. */
export function shownIn(view: HelpView, flag: { group: HelpGroup; short?: string }): boolean {
  if (view.kind === 'all') return true;
  if (view.kind === 'topic') return flag.group === view.group;
  return flag.short !== undefined;
}

/** The text after the options, for `view`, wrapped to `width` without breaking a word. */
export function helpEpilogue(view: HelpView, width: number): string {
  const lines: string[] = [];
  const para = (text: string, indent = 0, hang = indent) => lines.push(...wrap(text, width, indent, hang));
  if (view.kind === 'topic') {
    lines.push('');
    para(`Every option: fetch-many --help all. Other topics: ${TOPICS.join(', ')}.`);
    return lines.join('\n');
  }
  if (view.kind === 'short') {
    lines.push('');
    para(`More options: fetch-many help <topic> (${TOPICS.join(', ')}), or --help all for every option.`);
  }
  lines.push('', 'Coming from curl:');
  para(
    '-s → -q (quiet); -v and -i show the heads; -o → --output-dir <dir> (a file per target); -I, -X, -H, -d, -u, -k, -L, -m as in curl; -w → --ndjson or --json fields',
    2,
    4,
  );
  if (view.kind === 'all') {
    lines.push('', 'Exit codes:');
    para('0  every target ok: no error, status expected (default 200-399), every expectation held', 2, 5);
    para('1  at least one target failed', 2, 5);
    para(
      '2  usage error (bad flag, unreadable file, malformed JSON, no targets), or the input failed mid-run (e.g. stdin reset): what was read is still run and reported',
      2,
      5,
    );
    para(
      '130 / 143  interrupted by SIGINT / SIGTERM, at any moment (results so far are still reported, every report valid); a second signal exits at once',
      2,
      5,
    );
    para("141  stopped early because stdout's reader went away (e.g. | head), as SIGPIPE would", 2, 5);
    lines.push('', 'Subcommands:');
    para('fetch-many merge FILE…  one report from the NDJSON results of shards or resumed runs (merge --help)', 2, 4);
    para(
      "fetch-many diff OLD NEW  what changed between two runs' NDJSON results, without fetching (diff --help)",
      2,
      4,
    );
    para('fetch-many demo  run against built-in demo targets on loopback; demo --serve keeps them up', 2, 4);
  } else {
    lines.push('');
    para('Exit codes: 0 all ok, 1 a target failed, 2 usage error (--help all for the rest). Try it: fetch-many demo.');
  }
  lines.push('', 'Examples, against fetch-many demo --serve:');
  const examples = [
    'fetch-many http://127.0.0.1:8080/health 127.0.0.1:8080/version',
    'fetch-many -v 127.0.0.1:8080/old',
    'fetch-many urls.txt --junit smoke.xml',
    'cat urls.txt | fetch-many -c 100 --ndjson > results.ndjson',
  ];
  if (view.kind === 'all') {
    examples.push(
      'fetch-many --expect-time 500ms --expect-body ok 127.0.0.1:8080/health',
      'fetch-many --shard 2/4 --ndjson urls.txt > shard-2.ndjson',
    );
  }
  for (const example of examples) para(example, 2, 6);
  return lines.join('\n');
}

/**
 * Words of `text` into lines of at most `width` columns: the first indented by `indent`, the
 * rest by `hang`. A word longer than a line stands alone on its line, whole (never cut).
 */
export function wrap(text: string, width: number, indent = 0, hang = indent): string[] {
  const words = text.split(' ').filter((w) => w !== '');
  const lines: string[] = [];
  let line = ' '.repeat(indent);
  let empty = true;
  for (const word of words) {
    const length = [...line].length;
    if (!empty && length + 1 + [...word].length > width) {
      lines.push(line);
      line = ' '.repeat(hang) + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines;
}
