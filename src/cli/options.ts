import { closeSync, fstatSync, openSync } from 'node:fs';
import { OptionError } from '../errors.js';
import { RUN_OPTIONS, type RunConfig, resolveRunConfig } from '../config/run-config.js';
import { flagDuration } from '../config/values.js';
import { quote } from '../describe.js';
import { expectationFromFlags } from '../expect/flags.js';
import { DEFAULT_EXPECTATION, withFallback } from '../expect/parse.js';
import { parseHeaderFlag } from '../header.js';
import { parseShard, type Shard } from '../targets/index.js';
import type { TargetDefaults } from '../targets/normalize.js';
import { normalizeMethod } from '../targets/fields.js';
import { measureFileBody, type BodyPartSpec } from '../targets/file-body.js';
import { cannotRead } from '../targets/read/sources.js';
import type { Expectation } from '../expect/types.js';
import type { HeaderList } from '../types.js';
import { attributeOf, type RawOptions } from './program.js';
import { proxySettings } from './run-options.js';
import { addBinding, basicAuthorization, type OriginHeaders, parseOrigin } from '../targets/origin.js';
import { splitPair } from './pair-flags.js';
import { type UnboundCredential, unboundCredentials } from './unbound-credentials.js';
import { type InputFlags, inputFlags } from './input-options.js';
import { type OutputFormat, outputFormat } from './formats.js';

/** Everything the run needs, validated once here at the boundary. */
export interface CliConfig {
  /** Everything the engine takes, validated and frozen (the signal is added by the run). */
  run: RunConfig;
  defaults: TargetDefaults;
  /** `-d @file` / `--data-binary @file`: the body's parts, until {@link measureBodyFlags} sets `defaults.body`. */
  bodyParts?: BodyPartSpec[];
  format: OutputFormat;
  junit?: string;
  /** Extra header names whose values reports show as `***` (`--redact-header`), as given. */
  redactHeaders: string[];
  onlyFailures: boolean;
  /** `--all-rows`: on a terminal, list every ok row even when they outnumber the screen's rows. */
  allRows: boolean;
  /** `-i` (or `-I`): response headers in the table, NDJSON and JSON. */
  include: boolean;
  /** `-v`: each target's heads on stderr. */
  verbose: boolean;
  quiet: boolean;
  /** `--annotations N`: GitHub annotation lines at most, per kind (errors, warnings). @default 10 */
  annotations: number;
  /** `--fail-on-flaky`: a target ok only after retries fails the run. */
  failOnFlaky: boolean;
  progress: boolean;
  color: boolean;
  /** `--shard i/n`: run only this shard of the list. */
  shard?: Shard;
  /** `--resume FILE`: the results file of an earlier run (read by the run, before any request). */
  resume?: string;
  /** `-H Authorization|Cookie|Proxy-Authorization` and `-u`: warned about when they reach several origins. */
  unboundCredentials: UnboundCredential[];
  /** `--baseline FILE…`: results files of an earlier run to compare with (read before any request). */
  baseline?: string[];
  /** `--fail-on`: which failures make exit code 1 — any (default), or only new ones against the baseline. */
  failOn: 'any' | 'new';
  /** `--state FILE`: streaks carried across runs. */
  state?: string;
  /** `--fail-after N`: exit 1 only for targets failing N runs in a row (needs `state`). */
  failAfter?: number;
  /** `--cache FILE`: ok results reused while younger than `cacheMaxAge`. */
  cache?: string;
  /** `--cache-max-age`, ms. @default 24 h */
  cacheMaxAge: number;
  /** `--openmetrics FILE`: the run as OpenMetrics text. */
  openmetrics?: string;
  /** `--every DUR`, ms: repeat the run until interrupted; each round prints only its summary line. */
  every?: number;
  /** `--sitemap`, `--links`, `--crawl`, `--list` (docs/inputs.md). */
  inputs: InputFlags;
  /**
   * How inputs fetched over http(s) (sitemaps, robots.txt) are fetched: the run's connection
   * settings, redirects followed, nothing saved or hashed. Only with `--sitemap`.
   */
  inputRun?: RunConfig;
}

const str = (raw: RawOptions, name: string): string | undefined => {
  const v = raw[name];
  return typeof v === 'string' ? v : undefined;
};
const list = (raw: RawOptions, name: string): string[] => {
  const v = raw[name];
  return Array.isArray(v) ? v : [];
};

/** `--cache-max-age` when not given: a day, lychee's default too. */
const DEFAULT_CACHE_MAX_AGE = 24 * 60 * 60 * 1000;

/** curl's `-d` sends this unless the user gives a Content-Type. */
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * The run options the flags give, in the library's shape: each flag's raw value (converted by
 * its `fromCli`, e.g. a PEM file read), the proxy made of --proxy, --noproxy and the
 * environment, and the expectation of --expect and --expect-*. Flags not given are left out, so
 * the defaults of src/config apply.
 */
function runInput(raw: RawOptions, env: NodeJS.ProcessEnv, expect: Partial<Expectation>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(RUN_OPTIONS)) {
    if (!('cli' in spec) || spec.cli === undefined) continue;
    const cli = spec.cli as { flags: string; fromCli?: (value: string) => unknown };
    const value = raw[attributeOf(cli.flags)];
    if (value === undefined) continue;
    input[key] = cli.fromCli !== undefined && typeof value === 'string' ? cli.fromCli(value) : value;
  }
  // -i (and -I, as curl's) keeps the response heads, -v the request heads too.
  if (raw.include === true || raw.head === true || raw.verbose === true) input.responseHeaders = true;
  if (raw.verbose === true) input.requestHeaders = true;
  const maxTime = str(raw, 'maxTime');
  if (maxTime !== undefined) input.timeout = flagDuration('--max-time')(maxTime);
  const proxy = proxySettings(str(raw, 'proxy'), str(raw, 'noproxy'), env);
  if (proxy !== undefined) input.proxy = proxy;
  // Compiled from the flags already: the `expect` option takes it as it is.
  if (Object.keys(expect).length > 0) input.expect = withFallback(expect, DEFAULT_EXPECTATION);
  return input;
}

/** Runs `read`; an Error becomes an OptionError naming the flag. */
function flagValue<T>(flag: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof OptionError) throw err;
    throw new OptionError(flag, `${flag}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * `@file` (curl's syntax) as a file part, sent from the file as each request goes out (checked
 * now: it must be a regular file we can open), or the text as it is.
 */
function dataValue(flag: string, value: string, binary: boolean): BodyPartSpec {
  if (!value.startsWith('@')) return Buffer.from(value, 'utf8');
  const path = value.slice(1);
  if (path === '-')
    throw new OptionError(
      flag,
      `${flag} @-: a body from stdin is not supported (stdin carries targets); save it to a file`,
    );
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    // A FIFO or a device cannot be measured and then read again for each request.
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
  } catch (err) {
    throw cannotRead(path, err, flag);
  } finally {
    if (fd !== -1) closeSync(fd);
  }
  // curl -d @file strips carriage returns and newlines; --data-binary sends the bytes as they are.
  return { path, strip: !binary };
}

/**
 * -d and --data-binary, each repeatable; curl joins several with `&`. Bytes when no flag names a
 * file; otherwise the parts, measured by the caller ({@link measureFileBody}) before the run.
 */
function bodyFlags(raw: RawOptions): Buffer | BodyPartSpec[] | undefined {
  const parts = [
    ...list(raw, 'data').map((v) => dataValue('-d', v, false)),
    ...list(raw, 'dataBinary').map((v) => dataValue('--data-binary', v, true)),
  ];
  if (parts.length === 0) return undefined;
  const joined: BodyPartSpec[] = [];
  parts.forEach((part, i) => {
    if (i > 0) joined.push(Buffer.from('&'));
    joined.push(part);
  });
  return joined.every((part) => Buffer.isBuffer(part)) ? Buffer.concat(joined as Buffer[]) : joined;
}

/** Sets the run's body from `-d @file` / `--data-binary @file`: their lengths, measured as streams. */
export async function measureBodyFlags(config: CliConfig): Promise<void> {
  const parts = config.bodyParts;
  if (parts === undefined) return;
  try {
    config.defaults.body = await measureFileBody(parts);
  } catch (err) {
    const path = (err as { path?: unknown }).path;
    throw cannotRead(typeof path === 'string' ? path : 'the request body file', err, '-d');
  }
}

/**
 * `--header-for ORIGIN 'Name: value'` and `--user-for ORIGIN user:pass` → headers by origin. A
 * `--user-for` gives way to a `--header-for` Authorization of the same origin, as `-u` to `-H`.
 */
function originFlags(raw: RawOptions): OriginHeaders | undefined {
  const headerFor = list(raw, 'headerFor');
  const userFor = list(raw, 'userFor');
  if (headerFor.length === 0 && userFor.length === 0) return undefined;
  const origins = new Map<string, HeaderList>();
  const origin = (flag: string, text: string): string => flagValue(flag, () => parseOrigin(text));
  for (const pair of headerFor) {
    const [text, header] = splitPair(pair);
    const key = origin('--header-for', text);
    const parsed = flagValue('--header-for', () => parseHeaderFlag(header));
    addBinding(origins, key, [parsed]);
  }
  for (const pair of userFor) {
    const [text, user] = splitPair(pair);
    const key = origin('--user-for', text);
    const auth = flagValue('--user-for', () => basicAuthorization(user, `the credential for ${text}`));
    if (!hasHeader(origins.get(key) ?? [], 'authorization')) addBinding(origins, key, [auth]);
  }
  return origins;
}

function hasHeader(headers: HeaderList, lower: string): boolean {
  return headers.some(([name]) => name.toLowerCase() === lower);
}

/**
 * Whether the table is coloured. `--color always|never` (or `--no-color`) decides; with `auto`,
 * the environment as Node's own tty.hasColors() reads it: FORCE_COLOR set wins (`1`, `2`, `3`,
 * `true` or empty turn colour on; `0`, `false` or anything else off), then a non-empty
 * NO_COLOR (no-color.org) turns it off; otherwise colour when stdout is a terminal.
 */
export function colorWanted(flag: string | boolean | undefined, env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): boolean {
  if (flag === false || flag === 'never') return false;
  if (flag === 'always') return true;
  const force = env.FORCE_COLOR;
  // Node's tty.getColorDepth(): '', 1, true → 16 colours, 2 → 256, 3 → 16M, anything else → none.
  if (force !== undefined) return ['', '1', 'true', '2', '3'].includes(force);
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stdoutIsTTY;
}

export function resolveOptions(raw: RawOptions, env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): CliConfig {
  const headers: Array<readonly [string, string]> = list(raw, 'header').map((h) => parseHeaderFlag(h));
  const expect = expectationFromFlags({
    expect: str(raw, 'expect'),
    expectBody: str(raw, 'expectBody'),
    expectTime: str(raw, 'expectTime'),
    expectHeader: list(raw, 'expectHeader'),
    expectJson: list(raw, 'expectJson'),
    expectMatch: str(raw, 'expectMatch'),
  });
  const run = resolveRunConfig(runInput(raw, env, expect), { naming: 'cli' });

  const rawMethod = str(raw, 'method');
  let method: string | undefined;
  if (rawMethod !== undefined) {
    method = normalizeMethod(rawMethod) ?? undefined;
    if (method === undefined) {
      throw new OptionError('--method', `--method ${quote(rawMethod)} is not a valid HTTP method token`);
    }
  }
  const body = bodyFlags(raw);
  if (raw.head === true) {
    if (body !== undefined) throw new OptionError('--head', '-I/--head sends HEAD, which has no body: drop -d or -I');
    method = 'HEAD';
  }
  const user = str(raw, 'user');
  const fromUser = user !== undefined && !hasHeader(headers, 'authorization');
  if (user !== undefined && !hasHeader(headers, 'authorization')) {
    // Never echo the value: it holds a password.
    if (!user.includes(':'))
      throw new OptionError('--user', '-u/--user needs user:password (fetch-many does not prompt)');
    if (/[\u0000-\u001f\u007f]/.test(user)) throw new OptionError('--user', '-u/--user contains a control character');
    headers.push(['Authorization', `Basic ${Buffer.from(user, 'utf8').toString('base64')}`]);
  }

  const origins = originFlags(raw);

  const format = outputFormat(raw);
  const redactHeaders = list(raw, 'redactHeader').map((name) => name.trim());
  for (const name of redactHeaders) {
    // RFC 9110 §5.1: a field name is a token.
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new OptionError('--redact-header', `--redact-header ${quote(name)} is not a header name`);
    }
  }
  const config: CliConfig = {
    run,
    defaults: {
      ...(method === undefined ? {} : { method }),
      headers,
      ...(origins === undefined ? {} : { origins }),
      ...(body === undefined || !Buffer.isBuffer(body) ? {} : { body }),
      ...(body === undefined || hasHeader(headers, 'content-type') ? {} : { bodyContentType: FORM_TYPE }),
      // Only the expectations the user gave override a target file's `defaults.expect`;
      // otherwise the run-wide default (200-399) applies only to targets that say nothing.
      ...(Object.keys(expect).length === 0 ? {} : { expect }),
    },
    ...(body === undefined || Buffer.isBuffer(body) ? {} : { bodyParts: body }),
    format,
    redactHeaders,
    onlyFailures: raw.onlyFailures === true,
    allRows: raw.allRows === true,
    include: raw.include === true || raw.head === true,
    verbose: raw.verbose === true,
    quiet: raw.quiet === true,
    annotations: readAnnotations(str(raw, 'annotations')),
    failOnFlaky: raw.failOnFlaky === true,
    // -v writes heads to stderr: a progress line drawn there would cut into them.
    progress: raw.progress !== false && raw.verbose !== true,
    color: format === 'table' && colorWanted(raw.color as string | boolean | undefined, env, stdoutIsTTY),
    unboundCredentials: unboundCredentials(headers, fromUser),
    failOn: raw.failOn === 'new' ? 'new' : 'any',
    cacheMaxAge: DEFAULT_CACHE_MAX_AGE,
    inputs: inputFlags(raw),
  };
  if (config.inputs.sitemaps.some((src) => /^https?:\/\//i.test(src))) {
    const {
      expect: _expect,
      outputDir: _dir,
      outputTemplate: _template,
      hash: _hash,
      ...connection
    } = runInput(raw, env, {});
    config.inputRun = resolveRunConfig({ ...connection, follow: true }, { naming: 'cli' });
  }
  const junit = str(raw, 'junit');
  if (junit !== undefined) {
    if (junit.trim() === '') throw new OptionError('--junit', '--junit needs a file name');
    config.junit = junit;
  }
  const shard = str(raw, 'shard');
  if (shard !== undefined) config.shard = parseShard(shard);
  const resume = str(raw, 'resume');
  if (resume !== undefined) {
    if (resume.trim() === '' || resume === '-')
      throw new OptionError('--resume', '--resume needs the results file of the earlier run');
    config.resume = resume;
  }
  const baseline = list(raw, 'baseline');
  if (baseline.length > 0) {
    for (const file of baseline) {
      if (file.trim() === '' || file === '-')
        throw new OptionError('--baseline', '--baseline needs the results file (NDJSON) of an earlier run');
    }
    config.baseline = baseline;
  }
  if (config.failOn === 'new' && config.baseline === undefined)
    throw new OptionError('--fail-on', '--fail-on new needs --baseline: without one, no failure is new');
  const state = str(raw, 'state');
  if (state !== undefined) {
    if (state.trim() === '' || state === '-') throw new OptionError('--state', '--state needs a file name');
    config.state = state;
  }
  const cache = str(raw, 'cache');
  if (cache !== undefined) {
    if (cache.trim() === '' || cache === '-') throw new OptionError('--cache', '--cache needs a file name');
    config.cache = cache;
  }
  const maxAge = str(raw, 'cacheMaxAge');
  if (maxAge !== undefined) {
    if (cache === undefined) throw new OptionError('--cache-max-age', '--cache-max-age needs --cache FILE');
    config.cacheMaxAge = flagDuration('--cache-max-age')(maxAge);
  }
  const openmetrics = str(raw, 'openmetrics');
  if (openmetrics !== undefined) {
    if (openmetrics.trim() === '') throw new OptionError('--openmetrics', '--openmetrics needs a file name');
    config.openmetrics = openmetrics;
  }
  const every = str(raw, 'every');
  if (every !== undefined) config.every = flagDuration('--every')(every);
  const failAfter = str(raw, 'failAfter');
  if (failAfter !== undefined) {
    const n = /^\d{1,9}$/.test(failAfter.trim()) ? Number(failAfter.trim()) : Number.NaN;
    if (!(n >= 1))
      throw new OptionError('--fail-after', `--fail-after must be a whole number ≥ 1, got ${quote(failAfter)}`);
    if (config.state === undefined)
      throw new OptionError('--fail-after', '--fail-after needs --state FILE: it counts failures across runs');
    if (config.failOn === 'new')
      throw new OptionError('--fail-after', '--fail-after and --fail-on new each decide the exit code: give one');
    config.failAfter = n;
  }
  if (config.inputs.crawl.length > 0 && (config.shard !== undefined || config.resume !== undefined)) {
    throw new OptionError(
      '--crawl',
      '--crawl cannot be sharded or resumed: what a crawl finds depends on what it fetched',
    );
  }
  return config;
}

/** Annotations GitHub shows per step and kind (10 errors, 10 warnings at the time of writing). */
export const DEFAULT_ANNOTATIONS = 10;

function readAnnotations(value: string | undefined): number {
  if (value === undefined) return DEFAULT_ANNOTATIONS;
  const n = /^\s*\d{1,6}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new OptionError('--annotations', `--annotations must be a whole number (0 for none), got ${quote(value)}`);
  }
  return n;
}
