import { Command, Option } from 'commander';
import { VERSION } from '../version.js';

/** The options exactly as commander hands them over, before validation. */
export interface RawOptions {
  concurrency: string;
  perHost: string;
  timeout: string;
  connectTimeout: string;
  method?: string;
  header?: string[];
  data?: string;
  insecure?: boolean;
  maxBytes?: string;
  expect?: string;
  ndjson?: boolean;
  json?: boolean;
  csv?: boolean;
  junit?: string;
  onlyFailures?: boolean;
  quiet?: boolean;
  progress: boolean;
  color: boolean;
  follow?: boolean;
  maxRedirects: string;
  retries: string;
  retryDelay: string;
  retryMaxDelay: string;
  retryAllMethods?: boolean;
  rate?: string;
  ratePerHost?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  servername?: string;
  resolve?: string[];
  proxy?: string;
  noproxy?: string;
  compressed?: boolean;
  shard?: string;
  resume?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Builds the commander program. Parsing only: validation lives in options.ts. */
export function buildProgram(): Command {
  return new Command('fetch-many')
    .description(
      // No hard line breaks: commander wraps to the terminal width, and a '\n' mid-sentence
      // left a ragged line in --help.
      'Fetch many URLs at once through one multiplexed socket engine, and report status, bytes, ' +
        'timings and errors for every one of them.',
    )
    .version(VERSION, '-V, --version')
    .argument(
      '[targets...]',
      'URLs (http://, https://), host[:port][/path] shorthand, target files (.json, or one target ' +
        'per line), or - for stdin. With no targets and stdin not a terminal, targets are read from stdin.',
    )
    .addOption(new Option('-c, --concurrency <n>', 'requests in flight at once').default('50', '50'))
    .addOption(
      new Option('--per-host <n>', 'connections open at once per origin (scheme, host, port)').default('6', '6'),
    )
    .addOption(
      new Option(
        '-t, --timeout <dur>',
        'whole-request budget, from leaving the queue to the end of the body (250ms, 2s, 1.5m; a bare number is seconds)',
      ).default('30s', '30s'),
    )
    .addOption(new Option('--connect-timeout <dur>', 'DNS + TCP + TLS budget').default('10s', '10s'))
    .option('-X, --method <method>', 'method for targets that set none (default: GET)')
    .addOption(
      new Option('-H, --header <header>', 'header "Name: value" for every target (repeatable)').argParser(collect),
    )
    .option('-d, --data <body>', 'request body for targets that set none (sent with Content-Length)')
    .option('-k, --insecure', 'do not verify TLS certificates')
    .option('--max-bytes <n>', 'stop reading a body past n bytes on the wire (error too_large)')
    .option(
      '-L, --follow',
      'follow 301, 302, 303, 307 and 308 redirects; the expectation is checked on the last response',
    )
    .addOption(
      new Option(
        '--max-redirects <n>',
        'redirects followed per target; one more, or a loop, is error too_many_redirects',
      ).default('10', '10'),
    )
    .addOption(
      new Option(
        '--retries <n>',
        'extra attempts after a dns or connection error (refused, reset, connect, truncated), a timeout, or a 429, 502, 503 or 504 not expected; idempotent methods only',
      ).default('0', '0'),
    )
    .addOption(
      new Option(
        '--retry-delay <dur>',
        'base of the backoff: before attempt n+1, a random wait up to base · 2^(n-1) (full jitter)',
      ).default('250ms', '250ms'),
    )
    .addOption(
      new Option('--retry-max-delay <dur>', "longest wait between attempts; also caps a server's Retry-After").default(
        '30s',
        '30s',
      ),
    )
    .option('--retry-all-methods', 'retry POST, PATCH and other non-idempotent methods too')
    .option(
      '--rate <rate>',
      'start at most this many requests per second (50, 50/s) or minute (600/m) over the whole run; retries and redirect hops count',
    )
    .option(
      '--rate-per-host <rate>',
      'the same, per origin; a 429 pauses that origin and halves its rate, others keep theirs',
    )
    .option('--cacert <file>', 'PEM certificates to trust in addition to the system roots (does not replace them)')
    .option('--cert <file>', 'PEM client certificate for servers that ask for one (mTLS; give --key too)')
    .option('--key <file>', 'PEM private key of the --cert certificate')
    .option(
      '--servername <name>',
      'TLS server name (SNI and certificate check) instead of the URL host; Host is unchanged',
    )
    .addOption(
      new Option(
        '--resolve <host:port:addr>',
        'connect to addr for host:port instead of asking DNS; Host, SNI and certificate check keep the name (repeatable)',
      ).argParser(collect),
    )
    .option(
      '--proxy <url>',
      'http:// proxy for every target: https through CONNECT; "" turns off the environment\'s (default: HTTP_PROXY / HTTPS_PROXY)',
    )
    .option(
      '--noproxy <hosts>',
      'comma-separated hosts (and subdomains), IPs or host:port that bypass the proxy; * for all (default: NO_PROXY)',
    )
    .option(
      '--compressed',
      'send Accept-Encoding: gzip, deflate, br and decode the body as it streams (bytes: on the wire; decodedBytes: decoded)',
    )
    .option(
      '--shard <i/n>',
      'run only targets whose 0-based position k has k mod n = i-1 (1 ≤ i ≤ n); results keep their whole-list index',
    )
    .option(
      '--resume <file>',
      'skip targets with a finished (not cancelled) result in this NDJSON file of an earlier run; merge both files after',
    )
    .option(
      '--expect <spec>',
      'statuses that count as ok: codes, ranges, classes (200,204 | 200-299 | 2xx,3xx) (default: 200-399)',
    )
    .addOption(
      new Option('--ndjson', 'one JSON object per result on stdout, as each completes').conflicts(['json', 'csv']),
    )
    .addOption(new Option('--json', 'one JSON document {results, summary} on stdout at the end').conflicts(['csv']))
    .option('--csv', 'CSV on stdout: a header row, then one row per result in input order')
    .option('--junit <file>', 'also write a JUnit XML report to <file>, one test case per target')
    .option('--only-failures', 'show only failed targets (the summary still counts all)')
    .option('-q, --quiet', 'print nothing but, on failure, the reason for the exit code')
    .option('--no-progress', 'no progress line on stderr')
    .option('--no-color', 'no colour (also: NO_COLOR set, or stdout not a terminal)')
    .addHelpText(
      'after',
      `
Exit codes:
  0  every target ok: no error, status expected (default 200-399), every expectation held
  1  at least one target failed
  2  usage error (bad flag, unreadable file, malformed JSON, no targets)
  130 / 143  interrupted by SIGINT / SIGTERM (results so far are still reported)
  141  stopped early because stdout's reader went away (e.g. | head), as SIGPIPE would

Subcommand:
  fetch-many merge FILE…  one report from the NDJSON results of several shards or runs (see merge --help)

Examples:
  fetch-many https://example.org localhost:8080/health
  fetch-many urls.json --junit smoke.xml
  cat urls.txt | fetch-many -c 100 --ndjson > results.ndjson
  fetch-many --shard 2/4 --ndjson urls.txt > shard-2.ndjson`,
    );
}
