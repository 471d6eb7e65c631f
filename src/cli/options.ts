import { OptionError } from '../errors.js';
import { RUN_OPTIONS, type RunConfig, resolveRunConfig } from '../config/run-config.js';
import { quote } from '../targets/describe.js';
import { parseHeaderFlag } from '../targets/header.js';
import { parseShard, type Shard } from '../targets/index.js';
import type { TargetDefaults } from '../targets/normalize.js';
import { normalizeMethod } from '../targets/fields.js';
import type { HeaderList } from '../types.js';
import { attributeOf, type RawOptions } from './program.js';
import { contentFlags, withContentChecks } from './content-flags.js';
import { proxySettings } from './run-options.js';

export type OutputFormat = 'table' | 'ndjson' | 'json' | 'csv' | 'markdown';

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
}

const str = (raw: RawOptions, name: string): string | undefined => {
  const v = raw[name];
  return typeof v === 'string' ? v : undefined;
};
const list = (raw: RawOptions, name: string): string[] => {
  const v = raw[name];
  return Array.isArray(v) ? v : [];
};

/**
 * The run options the flags give, in the library's shape: each flag's raw value (converted by
 * its `fromCli`, e.g. a PEM file read), and the proxy made of --proxy, --noproxy and the
 * environment. Flags not given are left out, so the defaults of src/config apply.
 */
function runInput(raw: RawOptions, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(RUN_OPTIONS)) {
    if (!('cli' in spec) || spec.cli === undefined) continue;
    const cli = spec.cli as { flags: string; fromCli?: (value: string) => unknown };
    const value = raw[attributeOf(cli.flags)];
    if (value === undefined) continue;
    input[key] = cli.fromCli !== undefined && typeof value === 'string' ? cli.fromCli(value) : value;
  }
  const proxy = proxySettings(str(raw, 'proxy'), str(raw, 'noproxy'), env);
  if (proxy !== undefined) input.proxy = proxy;
  return input;
}

export function resolveOptions(raw: RawOptions, env: NodeJS.ProcessEnv, stdoutIsTTY: boolean): CliConfig {
  const headers: HeaderList = list(raw, 'header').map((h) => parseHeaderFlag(h));
  const input = runInput(raw, env);
  const content = contentFlags(raw);
  if (content !== null) input.expect = withContentChecks(input.expect, content);
  const run = resolveRunConfig(input, { naming: 'cli' });
  const rawMethod = str(raw, 'method');
  let method: string | undefined;
  if (rawMethod !== undefined) {
    method = normalizeMethod(rawMethod) ?? undefined;
    if (method === undefined) {
      throw new OptionError('--method', `--method ${quote(rawMethod)} is not a valid HTTP method token`);
    }
  }
  const body = str(raw, 'data');
  const format: OutputFormat = raw.ndjson
    ? 'ndjson'
    : raw.json
      ? 'json'
      : raw.csv
        ? 'csv'
        : raw.markdown
          ? 'markdown'
          : 'table';
  const redactHeaders = list(raw, 'redactHeader').map((name) => name.trim());
  for (const name of redactHeaders) {
    // RFC 9110 §5.1: a field name is a token.
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new OptionError('--redact-header', `--redact-header ${quote(name)} is not a header name`);
    }
  }
  const noColorEnv = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const config: CliConfig = {
    run,
    defaults: {
      ...(method === undefined ? {} : { method }),
      headers,
      ...(body === undefined ? {} : { body }),
      // Only an --expect the user gave overrides a target file's `defaults.expect`; otherwise
      // the run-wide default (200-399) applies only to targets that say nothing.
      // --expect-json / --expect-match count as such an --expect (with its status, 200-399 if not given).
      ...(raw.expect === undefined && content === null ? {} : { expect: run.expect }),
    },
    format,
    redactHeaders,
    onlyFailures: raw.onlyFailures === true,
    quiet: raw.quiet === true,
    progress: raw.progress !== false,
    color: raw.color !== false && !noColorEnv && stdoutIsTTY && format === 'table',
  };
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
  return config;
}
