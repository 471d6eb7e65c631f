/**
 * Flags only the CLI has: target defaults given on the command line, proxy flags that combine
 * with the environment, report files. (Run options the library takes too live in
 * ./run-config.ts, with their flags; the stdout formats, `--ndjson` and the others, are rows of
 * src/cli/formats.ts, which adds them to the Output group ahead of the rows here.)
 *
 * ## Adding a CLI-only flag
 * 1. Add an entry below: `flags`, `help`, `group`, and `defaultText` if `--help` should show a
 *    default; `short: 'one line of at most 55 characters'` to list it in the short `--help` (every
 *    flag is in `--help all` and `help <group>`; the short one stays under 60 lines at 80 columns); `after` places it in `--help` after another flag of its group (else run options
 *    come first, then these, in order); `repeatable` collects every use into a list; `conflicts` names flags (attribute
 *    names) it cannot be used with, `notWithFormats` every stdout format.
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
  /** Cannot be combined with any stdout format (`--ndjson`, `--json`…: the table in src/cli/formats.ts). */
  notWithFormats?: boolean;
}

export const CLI_FLAGS: readonly CliOnlyFlag[] = [
  {
    flags: '-X, --method <method>',
    short: 'method (default GET; POST with a body)',
    help: 'method for targets that set none; with a body and no method, POST',
    group: 'targets',
    defaultText: 'GET',
  },
  {
    flags: '-H, --header <header>',
    short: 'header "Name: value" (repeatable)',
    help: 'header "Name: value" for every target (repeatable)',
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '-d, --data <data>',
    short: 'request body, as curl (@file reads a file)',
    help: 'body for targets that set none, as curl: @file streams a file (CR and LF removed), repeats join with &, Content-Type application/x-www-form-urlencoded unless -H gives one',
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '--data-binary <data>',
    help: 'the same, but @file is streamed byte for byte',
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '-I, --head',
    short: 'HEAD requests; implies -i (curl -I)',
    help: 'HEAD requests, with the response headers shown (implies -i), as curl -I',
    group: 'targets',
    conflicts: ['method'],
  },
  {
    flags: '-u, --user <user:password>',
    help: 'Basic authentication for every target (an Authorization header from -H wins)',
    group: 'targets',
  },
  {
    flags: '--header-for <origin> <header>',
    help: "header 'Name: value' sent only to this origin (scheme://host[:port]), on every request and redirect hop to it, never to another; replaces a -H of the same name there (repeatable)",
    group: 'targets',
    repeatable: true,
  },
  {
    flags: '--user-for <origin> <user:password>',
    help: 'Basic authentication sent only to this origin, as --header-for (its Authorization wins) (repeatable)',
    group: 'targets',
    repeatable: true,
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
    // --every fetched each round and never listed: a list is made once.
    conflicts: ['every'],
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
    short: 'the body must contain text',
    help: "the body must contain text (a target's expect.bodyIncludes)",
    group: 'expectations',
  },
  {
    flags: '--expect-time <dur>',
    short: 'the request must take at most dur (e.g. 500ms)',
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
    flags: '--baseline <file>',
    help: "compare with an earlier run's NDJSON results (repeatable, e.g. its shards): each result gets a change (new-failure, still-failing, fixed, ok, new), baseline targets not in this run are listed as gone",
    group: 'history',
    repeatable: true,
  },
  {
    flags: '--fail-on <which>',
    help: 'which failures fail the run (exit 1): any, or new (only new failures against --baseline)',
    group: 'history',
    choices: ['any', 'new'],
    defaultText: 'any',
  },
  {
    flags: '--state <file>',
    help: 'keep per target its consecutive failures and last ok time in this file across runs (created if missing, rewritten atomically at the end, also on Ctrl-C)',
    group: 'history',
  },
  {
    flags: '--cache <file>',
    help: 'skip targets ok within --cache-max-age in this file, reporting their earlier result as cached; refresh the file with what was fetched',
    group: 'history',
  },
  {
    flags: '--cache-max-age <dur>',
    help: 'how long an ok result in --cache stays fresh',
    group: 'history',
    defaultText: '24h',
  },
  {
    flags: '--openmetrics <file>',
    help: "write the run as OpenMetrics text to <file> for node_exporter's textfile collector (blackbox_exporter's metric names), through a temp file and a rename",
    group: 'history',
  },
  {
    flags: '--every <dur>',
    help: "run the list again every dur until interrupted, rewriting --openmetrics (and --state, --cache, --junit) after each round; prints each round's summary line",
    group: 'history',
    conflicts: ['resume'],
    notWithFormats: true,
  },
  {
    flags: '--fail-after <n>',
    help: 'fail the run (exit 1) only for targets that have now failed n runs in a row (needs --state)',
    group: 'history',
    after: '--state',
  },
  {
    flags: '--expect-json <path=value>',
    help: 'the body must be JSON whose JSONPath selects this JSON value: \'$.status="ok"\', \'$.items.length=3\', \'$.version={"matches":"^1"}\' (repeatable)',
    group: 'expectations',
    repeatable: true,
  },
  {
    flags: '--expect-match <regex>',
    help: 'the body text must match this regular expression (pattern, or /pattern/flags; RE2: no backreferences or lookaround)',
    group: 'expectations',
  },
  {
    flags: '--junit <file>',
    short: 'also write a JUnit XML report',
    help: 'also write a JUnit XML report to <file>, one test case per target',
    group: 'output',
  },
  {
    flags: '--annotations <n>',
    help: 'GitHub Actions: at most n ::error lines (and n ::warning lines for flaky targets), the last one counting the rest when there are more; 0 for none',
    group: 'output',
    defaultText: '10',
  },
  {
    flags: '--fail-on-flaky',
    help: 'a flaky target (ok only after retries) fails the run: exit 1',
    group: 'output',
  },
  {
    flags: '--redact-header <name>',
    help: 'show the values of this header as *** in every report, as for Authorization, Proxy-Authorization, Cookie and Set-Cookie (repeatable)',
    group: 'output',
    repeatable: true,
  },
  {
    flags: '-i, --include',
    short: 'response headers under each row / in the JSON',
    help: 'add the response headers to each result: under its row in the table, responseHeaders in --ndjson/--json (credentials as ***; -I implies it)',
    group: 'output',
  },
  {
    flags: '-v, --verbose',
    short: 'request and response heads on stderr, as curl -v',
    help: "each target's request and response heads on stderr, in input order, as curl -v (credentials as ***)",
    group: 'output',
  },
  { flags: '--only-failures', help: 'show only failed targets (the summary still counts all)', group: 'output' },
  {
    flags: '--all-rows',
    help: 'on a terminal, list every row even when the targets outnumber its rows (by default ok rows are then counted, not listed, so failures stay on screen)',
    group: 'output',
  },
  {
    flags: '-q, --quiet',
    short: 'print nothing but the reason for a failure',
    help: 'print nothing but, on failure, the reason for the exit code',
    group: 'output',
  },
  {
    flags: '--no-progress',
    help: 'no progress line on stderr (drawn only on a terminal: a bar with done/total, %, rate, failures and ETA when the total is known)',
    group: 'output',
  },
  {
    flags: '--color <when>',
    help: 'colour the table: auto (a terminal, unless NO_COLOR is set; FORCE_COLOR=1 forces it, FORCE_COLOR=0 turns it off), always, never',
    group: 'output',
    choices: ['auto', 'always', 'never'],
    defaultText: 'auto',
  },
  { flags: '--no-color', help: 'same as --color never', group: 'output' },
];
