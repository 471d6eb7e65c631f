/**
 * Flags only the CLI has: target defaults given on the command line, proxy flags that combine
 * with the environment, output formats and report files. (Run options the library takes too
 * live in ./run-config.ts, with their flags.)
 *
 * ## Adding a CLI-only flag
 * 1. Add an entry below: `flags`, `help`, `group`, and `defaultText` if `--help` should show a
 *    default; `after` places it in `--help` after another flag of its group (else run options
 *    come first, then these, in order); `repeatable` collects every use into a list; `conflicts` names flags (attribute
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
    flags: '-d, --data <data>',
    help: 'body for targets that set none, as curl: @file reads a file (CR and LF removed), repeats join with &, Content-Type application/x-www-form-urlencoded unless -H gives one',
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '--data-binary <data>',
    help: 'the same, but @file is sent byte for byte',
    group: 'targets',
    repeatable: true,
  },
  { flags: '-I, --head', help: 'HEAD requests (curl -I)', group: 'targets', conflicts: ['method'] },
  {
    flags: '-u, --user <user:password>',
    help: 'Basic authentication for every target (an Authorization header from -H wins)',
    group: 'targets',
  },
  {
    flags: '--sitemap <src>',
    help: 'fetch every page of a sitemap or sitemap index (URL or file; gzip too), or of the Sitemap: lines of a robots.txt (repeatable)',
    group: 'inputs',
    repeatable: true,
  },
  {
    flags: '--links <path...>',
    help: 'fetch every link in these HTML, Markdown or text files; directories are searched (--links-glob); each result names the file and line',
    group: 'inputs',
  },
  {
    flags: '--links-glob <glob>',
    help: 'which files of a --links directory are read (* ? ** {a,b})',
    group: 'inputs',
    defaultText: '*.{md,markdown,mdx,html,htm,txt}',
  },
  {
    flags: '--base <url>',
    help: 'base URL of relative links in --links files (without it they are skipped)',
    group: 'inputs',
  },
  {
    flags: '--crawl <url>',
    help: 'fetch this page and follow its links, breadth first: pages of its origin are crawled, other links only checked (repeatable)',
    group: 'inputs',
    repeatable: true,
  },
  {
    flags: '--depth <n>',
    help: 'crawl pages at most n links away from a --crawl page',
    group: 'inputs',
    defaultText: '3',
  },
  {
    flags: '--crawl-origin <origin>',
    help: 'also crawl the pages of this origin (scheme://host[:port]), not only check them (repeatable)',
    group: 'inputs',
    repeatable: true,
  },
  {
    flags: '--max-pages <n>',
    help: 'stop a crawl after this many URLs (pages and checked links together)',
    group: 'inputs',
    defaultText: '10000',
  },
  {
    flags: '--list',
    help: 'print the targets the inputs make, one JSON object per line (url, method, source, from), and fetch nothing',
    group: 'inputs',
  },
  {
    flags: '-m, --max-time <dur>',
    help: "curl's name for --timeout",
    group: 'timeouts',
    after: '--timeout',
    conflicts: ['timeout'],
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
    flags: '--expect-body <text>',
    help: "the body must contain text (a target's expect.bodyIncludes)",
    group: 'expectations',
  },
  {
    flags: '--expect-time <dur>',
    help: "the whole request must take at most dur (a target's expect.maxTime; not curl's --max-time, which is a timeout)",
    group: 'expectations',
  },
  {
    flags: '--expect-header <header>',
    help: '"Name: value": the response header must have this value; a value without ";" ignores parameters (application/json matches application/json; charset=utf-8) (repeatable)',
    group: 'expectations',
    repeatable: true,
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
    flags: '--color <when>',
    help: 'colour the table: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR=1 forces it, FORCE_COLOR=0 turns it off), always, never',
    group: 'output',
    choices: ['auto', 'always', 'never'],
    defaultText: 'auto',
  },
  { flags: '--no-color', help: 'same as --color never', group: 'output' },
];
