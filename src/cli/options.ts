import { readFileSync } from 'node:fs';
import { OptionError } from '../errors.js';
import { RUN_OPTIONS, type RunConfig, resolveRunConfig } from '../config/run-config.js';
import { duration } from '../config/values.js';
import { quote } from '../targets/describe.js';
import { DEFAULT_EXPECTATION } from '../targets/expect.js';
import { contentExpectations } from '../targets/expect-content.js';
import { headerRule } from '../targets/expect-header.js';
import { parseHeaderFlag, validateHeaderName } from '../targets/header.js';
import { parseShard, type Shard } from '../targets/index.js';
import type { TargetDefaults } from '../targets/normalize.js';
import { normalizeMethod } from '../targets/fields.js';
import { cannotRead } from '../targets/sources.js';
import type { Expectation, HeaderList, HeaderRule } from '../types.js';
import { attributeOf, type RawOptions } from './program.js';
import { contentFlags } from './content-flags.js';
import { proxySettings } from './run-options.js';
import { type InputFlags, inputFlags } from './input-options.js';

export type OutputFormat = 'table' | 'ndjson' | 'json' | 'csv' | 'markdown';

/** The stdout format the flags chose (commander already refused conflicting ones); a run and `merge` alike. */
export function outputFormat(flags: {
  ndjson?: boolean | undefined;
  json?: boolean | undefined;
  csv?: boolean | undefined;
  markdown?: boolean | undefined;
}): OutputFormat {
  if (flags.ndjson === true) return 'ndjson';
  if (flags.json === true) return 'json';
  if (flags.csv === true) return 'csv';
  if (flags.markdown === true) return 'markdown';
  return 'table';
}

/** Everything the run needs, validated once here at the boundary. */
export interface CliConfig {
  /** Everything the engine takes, validated and frozen (the signal is added by the run). */
  run: RunConfig;
  defaults: TargetDefaults;
  format: OutputFormat;
  junit?: string;
  /** Extra header names whose values reports show as `***` (`--redact-header`), as given. */
  redactHeaders: string[];
  onlyFailures: boolean;
  quiet: boolean;
  progress: boolean;
  color: boolean;
  /** `--shard i/n`: run only this shard of the list. */
  shard?: Shard;
  /** `--resume FILE`: the results file of an earlier run (read by the run, before any request). */
  resume?: string;
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
  const maxTime = str(raw, 'maxTime');
  if (maxTime !== undefined) input.timeout = flagValue('--max-time', () => duration(maxTime));
  const proxy = proxySettings(str(raw, 'proxy'), str(raw, 'noproxy'), env);
  if (proxy !== undefined) input.proxy = proxy;
  // The status part was read from --expect by the `expect` option itself; the rest joins it.
  const { status, statusText, ...rest } = expect;
  if (status !== undefined && statusText !== undefined) input.expect = { status, statusText, ...rest };
  else if (Object.keys(rest).length > 0) input.expect = { ...RUN_OPTIONS.expect.default, ...rest };
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

/** --expect, --expect-body, --expect-time, --expect-header: only the fields given. */
function expectFlags(raw: RawOptions): Partial<Expectation> {
  const given: Partial<Expectation> = {};
  const status = str(raw, 'expect');
  if (status !== undefined) {
    const built = flagValue('--expect', () => RUN_OPTIONS.expect.read(status));
    given.status = built.status;
    given.statusText = built.statusText;
  }
  const body = str(raw, 'expectBody');
  if (body !== undefined) {
    if (body === '') throw new OptionError('--expect-body', '--expect-body needs some text');
    given.bodyIncludes = body;
  }
  const time = str(raw, 'expectTime');
  if (time !== undefined) given.maxTime = flagValue('--expect-time', () => duration(time));
  const headers = list(raw, 'expectHeader');
  if (headers.length > 0) {
    given.header = headers.map((text): HeaderRule => {
      const colon = text.indexOf(':');
      const name = colon === -1 ? '' : text.slice(0, colon).trim();
      if (colon === -1 || validateHeaderName(name) !== null) {
        throw new OptionError('--expect-header', `--expect-header ${quote(text)}: use "Name: value"`);
      }
      const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      return flagValue('--expect-header', () => headerRule(name.toLowerCase(), value, name));
    });
  }
  // --expect-json / --expect-match, checked under their own flags, then built as a file's would be.
  const content = contentFlags(raw);
  if (content !== null) {
    const built: Expectation = { ...DEFAULT_EXPECTATION };
    contentExpectations(content as Record<string, unknown>, built);
    if (built.json !== undefined) given.json = built.json;
    if (built.bodyMatches !== undefined) given.bodyMatches = built.bodyMatches;
  }
  return given;
}

/** Reads `@file` (curl's syntax) or takes the text as it is. */
function dataValue(flag: string, value: string, binary: boolean): Buffer {
  if (!value.startsWith('@')) return Buffer.from(value, 'utf8');
  const path = value.slice(1);
  if (path === '-')
    throw new OptionError(
      flag,
      `${flag} @-: a body from stdin is not supported (stdin carries targets); save it to a file`,
    );
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw cannotRead(path, err, flag);
  }
  // curl -d @file strips carriage returns and newlines; --data-binary sends the bytes as they are.
  return binary ? bytes : Buffer.from(bytes.filter((b) => b !== 0x0d && b !== 0x0a));
}

/** -d and --data-binary, each repeatable; curl joins several with `&`. */
function bodyFlags(raw: RawOptions): Buffer | undefined {
  const parts = [
    ...list(raw, 'data').map((v) => dataValue('-d', v, false)),
    ...list(raw, 'dataBinary').map((v) => dataValue('--data-binary', v, true)),
  ];
  if (parts.length === 0) return undefined;
  const joined: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) joined.push(Buffer.from('&'));
    joined.push(part);
  });
  return Buffer.concat(joined);
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
  const expect = expectFlags(raw);
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
  if (user !== undefined && !hasHeader(headers, 'authorization')) {
    // Never echo the value: it holds a password.
    if (!user.includes(':'))
      throw new OptionError('--user', '-u/--user needs user:password (fetch-many does not prompt)');
    if (/[\u0000-\u001f\u007f]/.test(user)) throw new OptionError('--user', '-u/--user contains a control character');
    headers.push(['Authorization', `Basic ${Buffer.from(user, 'utf8').toString('base64')}`]);
  }

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
      ...(body === undefined ? {} : { body }),
      ...(body === undefined || hasHeader(headers, 'content-type') ? {} : { bodyContentType: FORM_TYPE }),
      // Only the expectations the user gave override a target file's `defaults.expect`;
      // otherwise the run-wide default (200-399) applies only to targets that say nothing.
      ...(Object.keys(expect).length === 0 ? {} : { expect }),
    },
    format,
    redactHeaders,
    onlyFailures: raw.onlyFailures === true,
    quiet: raw.quiet === true,
    progress: raw.progress !== false,
    color: format === 'table' && colorWanted(raw.color as string | boolean | undefined, env, stdoutIsTTY),
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
  if (config.inputs.crawl.length > 0 && (config.shard !== undefined || config.resume !== undefined)) {
    throw new OptionError(
      '--crawl',
      '--crawl cannot be sharded or resumed: what a crawl finds depends on what it fetched',
    );
  }
  return config;
}
