import { UsageError } from '../errors.js';
import { parseDuration } from '../targets/duration.js';
import { parseHeaderFlag } from '../targets/header.js';
import { parseStatusSpec } from '../targets/status-spec.js';
import type { TargetDefaults } from '../targets/normalize.js';
import { DEFAULT_EXPECTATION } from '../targets/expect.js';
import { normalizeMethod } from '../targets/fields.js';
import type { Expectation, HeaderList, RunOptions } from '../types.js';
import { parseRate, parseResolve, proxySettings, tlsOptions } from './run-options.js';
import type { RawOptions } from './program.js';

export type OutputFormat = 'table' | 'ndjson' | 'json' | 'csv' | 'markdown';

/** Everything the run needs, validated once here at the boundary. */
export interface CliConfig {
  /** Everything the engine takes, ready to pass (the signal is added by the run). */
  run: Omit<RunOptions, 'signal'>;
  defaults: TargetDefaults;
  format: OutputFormat;
  junit?: string;
  /** Extra header names whose values reports show as `***` (`--redact-header`), as given. */
  redactHeaders: string[];
  onlyFailures: boolean;
  quiet: boolean;
  progress: boolean;
  color: boolean;
}

function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function duration(value: string, flag: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new UsageError(`${flag}: ${(err as Error).message}`);
  }
}

export function resolveOptions(raw: RawOptions, env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): CliConfig {
  const headers: HeaderList = (raw.header ?? []).map((h) => parseHeaderFlag(h));
  // Only an --expect the user gave overrides a target file's `defaults.expect`; otherwise the
  // run-wide default (200-399) applies only to targets that say nothing.
  let expect: Expectation = DEFAULT_EXPECTATION;
  if (raw.expect !== undefined) {
    try {
      const spec = parseStatusSpec(raw.expect);
      expect = { status: spec.ranges, statusText: spec.text };
    } catch (err) {
      throw new UsageError(`--expect: ${(err as Error).message}`);
    }
  }
  let method: string | undefined;
  if (raw.method !== undefined) {
    method = normalizeMethod(raw.method) ?? undefined;
    if (method === undefined) throw new UsageError(`--method "${raw.method}" is not a valid HTTP method token`);
  }
  const format: OutputFormat = raw.ndjson
    ? 'ndjson'
    : raw.json
      ? 'json'
      : raw.csv
        ? 'csv'
        : raw.markdown
          ? 'markdown'
          : 'table';
  const redactHeaders = (raw.redactHeader ?? []).map((name) => name.trim());
  for (const name of redactHeaders) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new UsageError(`--redact-header ${JSON.stringify(name)} is not a header name`);
    }
  }
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const proxy = proxySettings(raw.proxy, raw.noproxy, env);
  const resolve = parseResolve(raw.resolve ?? []);
  const config: CliConfig = {
    run: {
      concurrency: wholeNumber(raw.concurrency, '--concurrency', 1, 100_000),
      perHost: wholeNumber(raw.perHost, '--per-host', 1, 100_000),
      timeout: duration(raw.timeout, '--timeout'),
      connectTimeout: duration(raw.connectTimeout, '--connect-timeout'),
      insecure: raw.insecure === true,
      expect,
      ...(raw.maxBytes === undefined
        ? {}
        : { maxBytes: wholeNumber(raw.maxBytes, '--max-bytes', 1, Number.MAX_SAFE_INTEGER) }),
      follow: raw.follow === true,
      maxRedirects: wholeNumber(raw.maxRedirects, '--max-redirects', 0, 100),
      retries: wholeNumber(raw.retries, '--retries', 0, 100),
      retryDelay: duration(raw.retryDelay, '--retry-delay'),
      retryMaxDelay: duration(raw.retryMaxDelay, '--retry-max-delay'),
      retryAllMethods: raw.retryAllMethods === true,
      ...(raw.rate === undefined ? {} : { rate: parseRate(raw.rate, '--rate') }),
      ...(raw.ratePerHost === undefined ? {} : { ratePerHost: parseRate(raw.ratePerHost, '--rate-per-host') }),
      ...tlsOptions({
        ...(raw.cacert === undefined ? {} : { cacert: raw.cacert }),
        ...(raw.cert === undefined ? {} : { cert: raw.cert }),
        ...(raw.key === undefined ? {} : { key: raw.key }),
      }),
      ...(raw.servername === undefined ? {} : { servername: raw.servername }),
      ...(Object.keys(resolve).length === 0 ? {} : { resolve }),
      ...(proxy === undefined ? {} : { proxy }),
      compressed: raw.compressed === true,
    },
    defaults: {
      ...(method === undefined ? {} : { method }),
      headers,
      ...(raw.data === undefined ? {} : { body: raw.data }),
      ...(raw.expect === undefined ? {} : { expect }),
    },
    format,
    redactHeaders,
    onlyFailures: raw.onlyFailures === true,
    quiet: raw.quiet === true,
    progress: raw.progress,
    color: raw.color && !noColorEnv && stdoutIsTTY && format === 'table',
  };
  if (raw.junit !== undefined) {
    if (raw.junit.trim() === '') throw new UsageError('--junit needs a file name');
    config.junit = raw.junit;
  }
  return config;
}
