/**
 * Issue 12 item 12: one run-config module validates every run option for the library and the
 * CLI alike, fills in defaults from one place and hands the engine one frozen object.
 */
import { describe, expect, it } from 'vitest';
import { RUN_DEFAULTS, RUN_OPTIONS, isRunConfig, resolveRunConfig } from '../../src/config/run-config.js';
import { OptionError, UsageError } from '../../src/errors.js';

function rejected(options: unknown, naming: 'library' | 'cli' = 'library'): OptionError {
  try {
    resolveRunConfig(options, { naming });
  } catch (err) {
    expect(err).toBeInstanceOf(OptionError);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as OptionError).code).toBe('invalid_option');
    expect((err as OptionError).message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    return err as OptionError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('resolveRunConfig', () => {
  it('fills in every default from RUN_OPTIONS and freezes the result', () => {
    const config = resolveRunConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(isRunConfig(config)).toBe(true);
    expect(isRunConfig({ ...config })).toBe(false);
    const nested = resolveRunConfig({ expect: { status: '2xx', header: { a: 'b' } }, resolve: { 'a.test:80': '::1' } });
    expect(Object.isFrozen(nested.expect)).toBe(true);
    expect(Object.isFrozen(nested.expect.header)).toBe(true);
    expect(Object.isFrozen(nested.resolve)).toBe(true);
    expect(config).toMatchObject({
      concurrency: 50,
      timeout: 30_000,
      connectTimeout: 10_000,
      maxHeaderBytes: 65_536,
      maxRedirects: 10,
      retries: 0,
      retryDelay: 1000,
      retryMaxDelay: 30_000,
      follow: false,
      compressed: false,
    });
    expect(config).toMatchObject(RUN_DEFAULTS);
    // No per-origin cap unless asked: the engine then lets one origin use every slot.
    expect('perHost' in config).toBe(false);
  });

  it('--retry-delay defaults to 1 s, as curl', () => {
    expect(RUN_DEFAULTS.retryDelay).toBe(1000);
    expect(RUN_OPTIONS.retryDelay.cli?.defaultText).toBe('1s');
  });

  it('reads durations with their unit, and numbers as milliseconds', () => {
    expect(resolveRunConfig({ timeout: '300ms' }).timeout).toBe(300);
    expect(resolveRunConfig({ timeout: '2s', connectTimeout: '1.5m' })).toMatchObject({
      timeout: 2000,
      connectTimeout: 90_000,
    });
    expect(() => resolveRunConfig({ timeout: '2' })).toThrow('give a unit, "2s" or "2ms"');
    expect(() => resolveRunConfig({ timeout: 2 })).toThrow('did you mean "2s"?');
    expect(resolveRunConfig({ timeout: 250 }).timeout).toBe(250);
    expect(resolveRunConfig({ retryDelay: '100ms' }).retryDelay).toBe(100);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: -1 }, 'concurrency'],
    [{ concurrency: Number.NaN }, 'concurrency'],
    [{ concurrency: 1.5 }, 'concurrency'],
    [{ concurrency: '10' + 'x' }, 'concurrency'],
    [{ perHost: 0 }, 'perHost'],
    [{ maxHeaderBytes: 0 }, 'maxHeaderBytes'],
    [{ maxBytes: 0 }, 'maxBytes'],
    [{ timeout: 0 }, 'timeout'],
    [{ timeout: -5 }, 'timeout'],
    [{ timeout: Number.NaN }, 'timeout'],
    [{ timeout: Number.POSITIVE_INFINITY }, 'timeout'],
    [{ timeout: 'soon' }, 'timeout'],
    [{ connectTimeout: '0s' }, 'connectTimeout'],
    [{ retryDelay: 0 }, 'retryDelay'],
    [{ retries: -1 }, 'retries'],
    [{ rate: { count: 0, perMs: 1000 } }, 'rate'],
    [{ rate: '0/s' }, 'rate'],
    // A count so small that one request's interval overflows to Infinity.
    [{ rate: { count: 1e-310, perMs: 1000 } }, 'rate'],
    [{ rate: `0.${'0'.repeat(309)}1/s` }, 'rate'],
    [{ ratePerHost: { count: 5, perMs: 0 } }, 'ratePerHost'],
    [{ follow: 'yes' }, 'follow'],
    [{ userAgent: 'a\r\nX-Injected: 1' }, 'userAgent'],
    [{ expect: 'abc' }, 'expect'],
    [{ expect: { status: [[0, 1000]], statusText: 'x' } }, 'expect'],
    [{ resolve: { 'example.com:443': 'not-an-ip' } }, 'resolve'],
    [{ proxy: { http: 'socks5://127.0.0.1:1080' } }, 'proxy'],
    [{ ca: 'not pem' }, 'ca'],
    [{ cert: '-----BEGIN CERTIFICATE-----' }, 'cert'],
  ])('rejects %j naming %s', (options, option) => {
    const err = rejected(options);
    expect(err.option).toBe(option);
    expect(err.message).toContain(`"${option}"`);
  });

  it('rejects a misspelt option with a did-you-mean', () => {
    const err = rejected({ concurency: 10 });
    expect(err.option).toBe('concurency');
    expect(err.message).toBe('unknown option "concurency" (did you mean "concurrency"?)');
    expect(rejected({ timout: '1s' }).message).toContain('did you mean "timeout"');
    expect(rejected({ somethingElse: 1 }).message).toBe('unknown option "somethingElse"');
  });

  it('names the flag, not the key, for the CLI, and never echoes control characters', () => {
    const err = rejected({ timeout: '\u001b[31m1s\r\n' }, 'cli');
    expect(err.option).toBe('--timeout');
    expect(err.message).toMatch(/^--timeout: /);
    expect(err.message).toContain('\\u001b[31m1s\\r\\n');
    expect(rejected({ perHost: '0' }, 'cli').message).toMatch(/^--per-host: must be a whole number from 1/);
  });

  it('accepts the forms each option documents', () => {
    const config = resolveRunConfig({
      concurrency: '20',
      perHost: 2,
      rate: '600/m',
      ratePerHost: { count: 5, perMs: 1000 },
      expect: '2xx',
      resolve: ['example.com:443:[::1]'],
      proxy: { http: '127.0.0.1:3128', noProxy: [' Example.com '] },
    });
    expect(config).toMatchObject({
      concurrency: 20,
      perHost: 2,
      rate: { count: 600, perMs: 60_000 },
      ratePerHost: { count: 5, perMs: 1000 },
      expect: { status: [[200, 299]], statusText: '2xx' },
      resolve: { 'example.com:443': ['::1'] },
      proxy: { http: 'http://127.0.0.1:3128/', noProxy: ['example.com'] },
    });
    expect(resolveRunConfig({ expect: { status: '204', maxTime: '1s' } }).expect).toMatchObject({
      status: [[204, 204]],
      maxTime: 1000,
    });
  });

  it('wants cert and key together', () => {
    const pem = '-----BEGIN X-----\n-----END X-----\n';
    expect(rejected({ cert: pem }).option).toBe('cert');
    expect(rejected({ key: pem }, 'cli').message).toBe('--cert and --key go together: give both');
  });

  it('every CLI flag of a run option has help text and a group', () => {
    for (const spec of Object.values(RUN_OPTIONS)) {
      if (!('cli' in spec) || spec.cli === undefined) continue;
      expect(spec.cli.help.length).toBeGreaterThan(10);
      expect(spec.cli.group).toMatch(/^(targets|requests|timeouts|tls|expectations|output)$/);
    }
  });
});
