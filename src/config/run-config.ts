/**
 * The run options, in one place: for each, how it is read and checked, its default, and its
 * `--help` line and group. `fetchMany` and the CLI both validate through
 * {@link resolveRunConfig}, which returns one frozen {@link RunConfig} that the engine takes as is.
 *
 * ## Adding a run option (one the engine uses; the library and the CLI both take it)
 * 1. Add an entry to {@link RUN_OPTIONS} below: `defaulted({...})` when it has a default, else
 *    `optional({...})`. Give `read` (a reader from ./values.ts, or your own: throw an Error whose
 *    message completes "<option> …", e.g. `must be …, got ${shown(value)}`), the `default`, and
 *    `cli: { flags, help, group }` if the CLI has a flag for it (`defaultText` is how `--help`
 *    shows the default; `short: 'one line'` lists it in the short `--help` too, with that text —
 *    only for options most runs want: the short help stays under 60 lines at 80 columns). The key is the library's option name; `RunConfig` gains the field
 *    automatically (`config.yourOption`, typed from `read`).
 * 2. Document it in `RunOptions` (src/types.ts) — the public, JSDoc'd input type — and in the
 *    options page of docs/.
 * 3. A flag whose raw value is not what the library takes (a file to read, several flags that
 *    make one value) is converted in src/cli/options.ts before it reaches {@link resolveRunConfig}.
 *
 * A CLI-only flag (an output format, a report path) goes in ./cli-flags.ts instead.
 */
import { OptionError } from '../errors.js';
import { closest, isPlainObject, quote } from '../describe.js';
import { DEFAULT_EXPECTATION, readExpectation } from '../expect/parse.js';
import type { Expectation } from '../expect/types.js';
import { VERSION } from '../version.js';
import { directory, hashAlgorithm, outputTemplate } from './body-values.js';
import type { HelpGroup } from './groups.js';
import { dnsServerList } from './dns-servers.js';
import { readPemFile } from './pem-file.js';
import {
  budget,
  duration,
  flagDuration,
  flag,
  pem,
  pemList,
  proxy,
  rate,
  resolveMap,
  shown,
  text,
  type ValueReader,
  wholeNumber,
} from './values.js';

/** How an option appears on the command line and in `--help`. */
export interface CliFlag {
  /** Commander flags, e.g. `-c, --concurrency <n>`. */
  flags: string;
  help: string;
  group: HelpGroup;
  /** The default as `--help` shows it (`30s`); omitted: no "(default: …)". */
  defaultText?: string;
  /** Turns the flag's raw value into what `read` takes (e.g. reads the file a flag names). */
  fromCli?: (raw: string) => unknown;
  /** Every use of the flag is collected into a list (what `read` then gets). */
  repeatable?: boolean;
  /** `--help` lists it right after this flag (its long name) of the same group; else in table order. */
  after?: string;
  /**
   * Listed in the short `--help` (at most 60 lines at 80 columns: the common options of each
   * group), with this one-line text (at most 55 characters, so the row fits 80 columns). Every
   * flag is in `--help all` and in `fetch-many help <its group>`, with `help`, either way.
   */
  short?: string;
}

interface DefaultedSpec<T> {
  readonly defaulted: true;
  readonly read: ValueReader<T>;
  readonly default: T;
  readonly cli?: CliFlag;
}
interface OptionalSpec<T> {
  readonly defaulted: false;
  readonly read: ValueReader<T>;
  readonly cli?: CliFlag;
}
type Spec = DefaultedSpec<unknown> | OptionalSpec<unknown>;

const defaulted = <T>(spec: { read: ValueReader<T>; default: T; cli?: CliFlag }): DefaultedSpec<T> => ({
  defaulted: true,
  ...spec,
});
const optional = <T>(spec: { read: ValueReader<T>; cli?: CliFlag }): OptionalSpec<T> => ({ defaulted: false, ...spec });

const MAX_COUNT = 100_000;

export const RUN_OPTIONS = {
  concurrency: defaulted({
    read: wholeNumber(1, MAX_COUNT),
    default: 50,
    cli: {
      flags: '-c, --concurrency <n>',
      short: 'requests in flight at once (default: 50)',
      help: 'requests in flight at once',
      group: 'requests',
      defaultText: '50',
    },
  }),
  // No fixed default cap: a run against one host should use the concurrency it was given (curl -Z,
  // httpx and linkinator have no per-host cap either). But until an origin first answers it may
  // hold only half of -c (the engine, issue 24), so one dead origin listed first cannot take every
  // slot. --per-host is for being polite; when given, it is the cap from the start.
  perHost: optional({
    read: wholeNumber(1, MAX_COUNT),
    cli: {
      flags: '--per-host <n>',
      help: 'requests in flight per origin (scheme, host, port): h1 connections, h2 streams (default: --concurrency, half of it until the origin first answers)',
      group: 'requests',
    },
  }),
  // Off by default: a server or middlebox that mishandles pipelined requests
  // (RFC 9112 §9.3.2) would otherwise fail targets that work one at a time.
  pipeline: defaulted({
    read: wholeNumber(1, 1000),
    default: 1,
    cli: {
      flags: '--pipeline <n>',
      help: 'up to n idempotent requests at once on one kept-alive HTTP/1.1 connection (1 = off)',
      group: 'requests',
      defaultText: '1',
    },
  }),
  timeout: defaulted({
    read: budget,
    default: 30_000,
    cli: {
      flags: '-t, --timeout <dur>',
      short: 'whole-request timeout: 250ms, 2s, 1.5m (default: 30s)',
      help: 'whole-request budget, from leaving the queue to the end of the body (250ms, 2s, 1.5m; a bare number is seconds, below 100)',
      group: 'timeouts',
      defaultText: '30s',
      fromCli: flagDuration('--timeout'),
    },
  }),
  connectTimeout: defaulted({
    read: budget,
    default: 10_000,
    cli: {
      flags: '--connect-timeout <dur>',
      help: 'DNS + TCP + TLS budget',
      group: 'timeouts',
      defaultText: '10s',
      fromCli: flagDuration('--connect-timeout'),
    },
  }),
  insecure: defaulted({
    read: flag,
    default: false,
    cli: {
      flags: '-k, --insecure',
      short: 'do not verify TLS certificates',
      help: 'do not verify TLS certificates',
      group: 'tls',
    },
  }),
  http1Only: defaulted({
    read: flag,
    default: false,
    cli: { flags: '--http1.1', help: 'speak HTTP/1.1 only (https offers h2 in ALPN by default)', group: 'tls' },
  }),
  http2PriorKnowledge: defaulted({
    read: flag,
    default: false,
    cli: {
      flags: '--http2-prior-knowledge',
      help: 'speak HTTP/2 on http:// targets without asking first (h2c)',
      group: 'tls',
    },
  }),
  /** RFC 9112 sets no limit; 64 KiB is several times what real servers send and bounds memory. */
  maxHeaderBytes: defaulted({ read: wholeNumber(1, 64 * 1024 * 1024), default: 64 * 1024 }),
  maxBytes: optional({
    read: wholeNumber(1, Number.MAX_SAFE_INTEGER),
    cli: {
      flags: '--max-bytes <n>',
      help: 'stop reading a body past n bytes on the wire (error too_large)',
      group: 'requests',
    },
  }),
  expect: defaulted<Expectation>({
    read: readExpectation,
    default: DEFAULT_EXPECTATION,
    cli: {
      flags: '--expect <spec>',
      short: 'statuses that count as ok (default: 200-399)',
      help: 'statuses that count as ok: codes, ranges, classes (200,204 | 200-299 | 2xx,3xx)',
      group: 'expectations',
      defaultText: '200-399',
    },
  }),
  userAgent: defaulted({
    read: text,
    default: `fetch-many/${VERSION}`,
    cli: {
      flags: '-A, --user-agent <ua>',
      help: "User-Agent header (a -H User-Agent or a target's own wins)",
      group: 'targets',
      defaultText: 'fetch-many/<version>',
      after: '--user',
    },
  }),
  follow: defaulted({
    read: flag,
    default: false,
    cli: {
      flags: '-L, --follow',
      short: 'follow redirects',
      help: 'follow 301, 302, 303, 307 and 308 redirects; the expectation is checked on the last response',
      group: 'requests',
    },
  }),
  // As curl's and browsers' (RFC 9110 §15.4 sets no number).
  maxRedirects: defaulted({
    read: wholeNumber(0, 100),
    default: 10,
    cli: {
      flags: '--max-redirects <n>',
      help: 'redirects followed per target; one more, or a loop, is error too_many_redirects',
      group: 'requests',
      defaultText: '10',
    },
  }),
  retries: defaulted({
    read: wholeNumber(0, 100),
    default: 0,
    cli: {
      flags: '--retries <n>',
      short: 'retry after a network error, timeout, 429 or 502-504',
      help: 'extra attempts after a dns or connection error (refused, reset, connect, truncated), a timeout, or a 429, 502, 503 or 504 not expected; idempotent methods only',
      group: 'timeouts',
      defaultText: '0',
    },
  }),
  // As httpx's -maxhr. Off by default: a run reports every target it was given.
  maxHostErrors: optional({
    read: wholeNumber(1, MAX_COUNT),
    cli: {
      flags: '--max-host-errors <n>',
      help: 'after n connection errors or timeouts in a row on one origin, report its remaining targets at once as error skipped',
      group: 'timeouts',
    },
  }),
  // curl's --retry-delay default (1 s): a retry sooner than that mostly meets the same trouble.
  retryDelay: defaulted({
    read: duration,
    default: 1000,
    cli: {
      flags: '--retry-delay <dur>',
      help: 'base of the backoff: before attempt n+1, a random wait up to base · 2^(n-1) (full jitter)',
      group: 'timeouts',
      defaultText: '1s',
      fromCli: flagDuration('--retry-delay'),
    },
  }),
  retryMaxDelay: defaulted({
    read: duration,
    default: 30_000,
    cli: {
      flags: '--retry-max-delay <dur>',
      help: "longest wait between attempts; also caps a server's Retry-After",
      group: 'timeouts',
      defaultText: '30s',
      fromCli: flagDuration('--retry-max-delay'),
    },
  }),
  retryAllMethods: defaulted({
    read: flag,
    default: false,
    cli: {
      flags: '--retry-all-methods',
      help: 'retry POST, PATCH and other non-idempotent methods too',
      group: 'timeouts',
    },
  }),
  rate: optional({
    read: rate,
    cli: {
      flags: '--rate <rate>',
      help: 'start at most this many requests per second (50, 50/s) or minute (600/m) over the whole run; retries and redirect hops count',
      group: 'requests',
    },
  }),
  ratePerHost: optional({
    read: rate,
    cli: {
      flags: '--rate-per-host <rate>',
      help: 'the same, per origin; a 429 pauses that origin and halves its rate (at most once per window; each later answer wins back 1/20 of it), others keep theirs',
      group: 'requests',
    },
  }),
  ca: optional({
    read: pemList,
    cli: {
      flags: '--cacert <file>',
      help: 'PEM certificates to trust in addition to the system roots (does not replace them); an intermediate CA is trusted as an anchor, as curl does',
      group: 'tls',
      fromCli: (file) => [readPemFile(file, '--cacert')],
    },
  }),
  cert: optional({
    read: pem,
    cli: {
      flags: '--cert <file>',
      help: 'PEM client certificate for servers that ask for one (mTLS; give --key too)',
      group: 'tls',
      fromCli: (file) => readPemFile(file, '--cert'),
    },
  }),
  key: optional({
    read: pem,
    cli: {
      flags: '--key <file>',
      help: 'PEM private key of the --cert certificate',
      group: 'tls',
      fromCli: (file) => readPemFile(file, '--key'),
    },
  }),
  servername: optional({
    read: text,
    cli: {
      flags: '--servername <name>',
      help: 'TLS server name (SNI and certificate check) instead of the URL host; Host is unchanged',
      group: 'tls',
    },
  }),
  resolve: optional({
    read: resolveMap,
    cli: {
      flags: '--resolve <host:port:addr[,addr…]>',
      help: 'connect to addr for host:port instead of asking DNS (several: raced, Happy Eyeballs); Host, SNI and certificate check keep the name (repeatable)',
      group: 'tls',
      repeatable: true,
    },
  }),
  dnsServers: optional({
    read: dnsServerList,
    cli: {
      flags: '--dns-server <addr[:port]>',
      help: "ask these DNS servers instead of /etc/resolv.conf's (IPv6 as [::1]:5353; repeatable); the hosts file and search list still apply",
      group: 'tls',
      repeatable: true,
    },
  }),
  // Above the default concurrency, so lookups alone never hold a run back; bounded, so that a run
  // over many names does not flood the resolver. Waiting for a slot is queue time, not connect time.
  dnsConcurrency: defaulted({
    read: wholeNumber(1, MAX_COUNT),
    default: 256,
    cli: {
      flags: '--dns-concurrency <n>',
      help: 'DNS lookups in flight at once over the whole run; waiting for one is queue time, not connect time',
      group: 'tls',
      defaultText: '256',
    },
  }),
  // The CLI's --proxy / --noproxy flags and the environment make this one value (src/cli/options.ts).
  proxy: optional({ read: proxy }),
  compressed: defaulted({
    read: flag,
    default: false,
    cli: {
      flags: '--compressed',
      help: 'send Accept-Encoding: gzip, deflate, br and decode the body as it streams (bytes: on the wire; decodedBytes: decoded)',
      group: 'requests',
    },
  }),
  // Bodies (docs/bodies.md).
  outputDir: optional({
    read: directory,
    cli: {
      flags: '--output-dir <dir>',
      help: 'save every final response body to a file under <dir> (created if missing), named from the URL; the result gains savedTo',
      group: 'output',
    },
  }),
  outputTemplate: optional({
    read: outputTemplate,
    cli: {
      flags: '--output-template <tpl>',
      help: 'file layout under --output-dir, from {host} {path} {name} {ext} {index} {status}',
      group: 'output',
      defaultText: '{host}/{path}',
    },
  }),
  hash: optional({
    read: hashAlgorithm,
    cli: {
      flags: '--hash <alg>',
      help: 'add the hex digest of each body (decoded with --compressed) as a result field named after <alg>: sha256, sha1 or md5',
      group: 'output',
    },
  }),
  // 1 MiB holds any health or API answer worth checking; a bigger one is reported, not buffered.
  maxBodyBuffer: defaulted({
    read: wholeNumber(1, 1024 * 1024 * 1024),
    default: 1024 * 1024,
    cli: {
      flags: '--max-body-buffer <n>',
      help: 'bytes of body held in memory for --expect-json / --expect-match (expect.json, expect.bodyMatches); a longer body fails them as not checked',
      group: 'expectations',
      defaultText: '1048576, 1 MiB',
    },
  }),
  // Off by default: a run of many targets keeps no heads it was not asked for. The
  // CLI's -i/-I and -v set these (src/config/cli-flags.ts), so they have no flag of their own.
  responseHeaders: defaulted({ read: flag, default: false }),
  requestHeaders: defaulted({ read: flag, default: false }),
} as const satisfies Record<string, Spec>;

type Specs = typeof RUN_OPTIONS;
type ValueOf<S> = S extends DefaultedSpec<infer T> ? T : S extends OptionalSpec<infer T> ? T : never;
type DefaultedKey = { [K in keyof Specs]: Specs[K] extends { defaulted: true } ? K : never }[keyof Specs];
type OptionalKey = Exclude<keyof Specs, DefaultedKey>;

/**
 * Every run option, validated and with its default filled in; optional ones without a default
 * are absent when not given. Frozen: built once per run, shared by everything in the engine.
 */
export type RunConfig = Readonly<
  { [K in DefaultedKey]: ValueOf<Specs[K]> } & { [K in OptionalKey]?: ValueOf<Specs[K]> }
>;

export type RunOptionName = keyof Specs;

/** The defaults, for code and docs that show them. */
export const RUN_DEFAULTS = Object.freeze(
  Object.fromEntries(
    Object.entries(RUN_OPTIONS as Record<string, Spec>)
      .filter(([, spec]) => spec.defaulted)
      .map(([key, spec]) => [key, (spec as DefaultedSpec<unknown>).default]),
  ),
) as { readonly [K in DefaultedKey]: ValueOf<Specs[K]> };

/** Whether options name the library's keys (`option "timeout"`) or the CLI's flags (`--timeout`). */
export type OptionNaming = 'library' | 'cli';

export interface ResolveOptions {
  naming?: OptionNaming;
  /** Other keys the caller handles itself (the library's `method`, `headers`, `body`, `signal`). */
  alsoAllowed?: readonly string[];
}

const built = new WeakSet<object>();

/** True for an object {@link resolveRunConfig} returned (so it need not be validated again). */
export function isRunConfig(value: unknown): value is RunConfig {
  return typeof value === 'object' && value !== null && built.has(value);
}

/** How a message names an option. */
export function optionLabel(key: RunOptionName, naming: OptionNaming): string {
  if (naming === 'cli') {
    const flags = (RUN_OPTIONS as Record<string, Spec>)[key]?.cli?.flags;
    const long = flags === undefined ? undefined : /--[a-z0-9-]+/.exec(flags)?.[0];
    if (long !== undefined) return long;
  }
  return `option ${quote(key)}`;
}

/**
 * Validates run options and fills in defaults. `undefined` values count as not given.
 * @throws OptionError naming the first unknown or unusable option.
 */
export function resolveRunConfig(options: unknown = {}, how: ResolveOptions = {}): RunConfig {
  const naming = how.naming ?? 'library';
  if (!isPlainObject(options)) {
    throw new OptionError('options', `options must be an object, got ${shown(options)}`);
  }
  const specs = RUN_OPTIONS as Record<string, Spec>;
  const known = new Set([...Object.keys(specs), ...(how.alsoAllowed ?? [])]);
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const near = closest(key, known);
    throw new OptionError(key, `unknown option ${quote(key)}${near === null ? '' : ` (did you mean ${quote(near)}?)`}`);
  }
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const value = options[key];
    if (value === undefined) {
      if (spec.defaulted) config[key] = spec.default;
      continue;
    }
    const label = optionLabel(key as RunOptionName, naming);
    try {
      config[key] = spec.read(value);
    } catch (err) {
      throw new OptionError(naming === 'cli' ? label : key, `${label}: ${(err as Error).message}`, { cause: err });
    }
  }
  if ((config.cert === undefined) !== (config.key === undefined)) {
    const [cert, key] = [optionLabel('cert', naming), optionLabel('key', naming)];
    throw new OptionError(naming === 'cli' ? cert : 'cert', `${cert} and ${key} go together: give both`);
  }
  const frozen = deepFreeze(config) as RunConfig;
  built.add(frozen);
  return frozen;
}

/** Freezes plain objects and arrays all the way down (the engine shares them for the whole run). */
function deepFreeze<T>(value: T): T {
  if (Array.isArray(value) || isPlainObject(value)) {
    for (const inner of Object.values(value as object)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
