/**
 * Flags only the CLI has: target defaults given on the command line, proxy flags that combine
 * with the environment, output formats and report files. (Run options the library takes too
 * live in ./run-config.ts, with their flags.)
 *
 * ## Adding a CLI-only flag
 * 1. Add an entry below: `flags`, `help`, `group`, and `defaultText` if `--help` should show a
 *    default; `repeatable` collects every use into a list; `conflicts` names flags (attribute
 *    names) it cannot be used with.
 * 2. Read and check it in `resolveOptions` (src/cli/options.ts), where it becomes a field of
 *    `CliConfig`; throw `OptionError(flag, message)` for a bad value.
 * 3. Document it in the options page of docs/.
 */
import type { CliFlag } from './run-config.js';

export interface CliOnlyFlag extends CliFlag {
  /** Commander attribute names of flags this one cannot be combined with. */
  conflicts?: readonly string[];
  /** Allowed values (`--color auto|always|never`). */
  choices?: readonly string[];
  /** Not shown in `--help` (an alias that has its own line under another name). */
  hidden?: boolean;
}

export const CLI_FLAGS: readonly CliOnlyFlag[] = [
  {
    flags: '-X, --method <method>',
    help: 'method for targets that set none; with a body and no method, POST',
    group: 'targets',
    defaultText: 'GET',
  },
  {
    flags: '-H, --header <header>',
    help: 'header "Name: value" for every target (repeatable)',
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '-d, --data <body>',
    help: 'request body for targets that set none (sent with Content-Length)',
    group: 'targets',
  },
  {
    flags: '--proxy <url>',
    help: 'http:// proxy for every target: https through CONNECT; "" turns off the environment\'s',
    group: 'tls',
    defaultText: 'HTTP_PROXY / HTTPS_PROXY',
  },
  {
    flags: '--noproxy <hosts>',
    help: 'comma-separated hosts (and subdomains), IPs or host:port that bypass the proxy; * for all',
    group: 'tls',
    defaultText: 'NO_PROXY',
  },
  {
    flags: '--shard <i/n>',
    help: 'run only the targets whose 0-based position k has k mod n = i-1 (1 ≤ i ≤ n); results keep their whole-list index',
    group: 'scale',
  },
  {
    flags: '--resume <file>',
    help: 'skip targets that have a finished (not cancelled) result in this NDJSON file of an earlier run; merge the two files after',
    group: 'scale',
  },
  {
    flags: '--expect-json <path=value>',
    help: 'the body must be JSON whose JSONPath selects this JSON value: \'$.status="ok"\', \'$.items.length=3\', \'$.version={"matches":"^1"}\' (repeatable)',
    group: 'expectations',
    repeatable: true,
  },
  {
    flags: '--expect-match <regex>',
    help: 'the body text must match this JavaScript regular expression (pattern, or /pattern/flags)',
    group: 'expectations',
  },
  {
    flags: '--ndjson',
    help: 'one JSON object per result on stdout, as each completes',
    group: 'output',
    conflicts: ['json', 'csv', 'markdown'],
  },
  {
    flags: '--json',
    help: 'one JSON document {results, summary} on stdout at the end',
    group: 'output',
    conflicts: ['csv', 'markdown'],
  },
  {
    flags: '--csv',
    help: 'CSV on stdout: a header row, then one row per result in input order',
    group: 'output',
    conflicts: ['markdown'],
  },
  {
    flags: '--markdown',
    help: 'Markdown on stdout at the end: the summary line and a table of the failed targets (as in a GitHub step summary)',
    group: 'output',
  },
  {
    flags: '--junit <file>',
    help: 'also write a JUnit XML report to <file>, one test case per target',
    group: 'output',
  },
  {
    flags: '--redact-header <name>',
    help: 'show the values of this header as *** in every report, as for Authorization, Proxy-Authorization, Cookie and Set-Cookie (repeatable)',
    group: 'output',
    repeatable: true,
  },
  { flags: '--only-failures', help: 'show only failed targets (the summary still counts all)', group: 'output' },
  { flags: '-q, --quiet', help: 'print nothing but, on failure, the reason for the exit code', group: 'output' },
  { flags: '--no-progress', help: 'no progress line on stderr', group: 'output' },
  {
    flags: '--no-color',
    help: 'no colour (also: NO_COLOR set, or stdout not a terminal)',
    group: 'output',
  },
];
