/**
 * Issue 9 item 6: expectations that match real headers (`application/json` against
 * `application/json; charset=utf-8`), the `includes` and `matches` forms, and the CLI flags
 * --expect-body, --expect-time and --expect-header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, startHttpServer, type TestServer } from '../helpers/servers.js';
import { expectUsageError, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let api: string;

beforeAll(async () => {
  server = await startHttpServer({
    '/api': (_req, ctx) => {
      ctx.socket.write(
        response(200, '{"status":"green"}', [
          ['Content-Type', 'application/json; charset=utf-8'],
          ['Cache-Control', 'public, max-age=60'],
          ['X-Build', 'v2.14.1'],
        ]),
      );
    },
  });
  api = `${server.url}/api`;
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

describe('--expect-header', () => {
  it('a value without ";" matches the media type of application/json; charset=utf-8', async () => {
    const run = await runCli(['--ndjson', '--expect-header', 'content-type: application/json', api]);
    expect(run.code, run.stdout).toBe(0);
    expect(parseNdjson(run.stdout)[0]!.failures).toEqual([]);
  });

  it('says what was expected and what came when it does not hold', async () => {
    const run = await runCli([
      '--ndjson',
      '--expect-header',
      'Content-Type: text/html',
      '--expect-header',
      'X-Missing: 1',
      api,
    ]);
    expect(run.code).toBe(1);
    expect(parseNdjson(run.stdout)[0]!.failures).toEqual([
      'header content-type is "application/json; charset=utf-8", expected "text/html" (before any ";")',
      'header x-missing missing (expected "1" (before any ";"))',
    ]);
  });

  it('is a usage error without a colon', async () => {
    expectUsageError(
      await runCli(['--expect-header', 'nonsense', api]),
      '--expect-header "nonsense": use "Name: value"',
    );
  });
});

describe('--expect-body, --expect-time', () => {
  it('--expect-body checks the body', async () => {
    const ok = await runCli(['--ndjson', '--expect-body', '"green"', api]);
    expect(ok.code, ok.stdout).toBe(0);
    const bad = await runCli(['--ndjson', '--expect-body', 'red', api]);
    expect(bad.code).toBe(1);
    expect(parseNdjson(bad.stdout)[0]!.failures).toEqual(['body does not include "red"']);
  });

  it("--expect-time is the target's maxTime, not a timeout", async () => {
    const run = await runCli(['--ndjson', '--expect-time', '50ms', `${server.url}/slow/200`]);
    expect(run.code).toBe(1);
    const [r] = parseNdjson(run.stdout);
    // The response still came (no timeout): it was only too slow.
    expect(r!.status).toBe(200);
    expect(r!.error).toBeNull();
    expect(r!.failures).toHaveLength(1);
    expect(r!.failures[0]).toMatch(/^time \d+ ms > 50 ms$/);
    expectUsageError(await runCli(['--expect-time', 'soon', api]), '--expect-time: invalid duration "soon"');
    // Issue 23: 100 bare would be 100 s on the command line, which nobody means as a response time.
    expectUsageError(
      await runCli(['--expect-time', '100', api]),
      '--expect-time: "100" is a bare number, which is seconds on the command line (1.7 minutes): did you mean 100ms?',
    );
    expectUsageError(await runCli(['--timeout', '1000', api]), 'did you mean 1000ms? (write 1000s if not)');
    // Under 10 ms is refused as --timeout's is, naming the flag given (it once named --expect).
    expectUsageError(
      await runCli(['--expect', '2xx', '--expect-time', '5ms', api]),
      '--expect-time: 5 is 5 ms (a number is milliseconds); did you mean "5s"?',
    );
  });

  it("flags override only their own field of a file's defaults.expect", async () => {
    const list = await tmp.file(
      'expect-defaults.json',
      JSON.stringify({ defaults: { expect: { status: '404' } }, targets: [`${server.url}/status/404`] }),
    );
    // The file says 404 is what it wants; --expect-body adds a check without resetting that.
    const run = await runCli(['--ndjson', '--expect-body', 'no route', list]);
    const [r] = parseNdjson(run.stdout);
    expect(r!.status).toBe(404);
    expect(r!.failures).toEqual(['body does not include "no route"']);
  });
});

describe('expect.header in target files', () => {
  it('takes strings, {includes} and {matches}', async () => {
    const list = await tmp.file(
      'header-forms.json',
      JSON.stringify([
        {
          url: api,
          name: 'all hold',
          expect: {
            header: {
              'Content-Type': 'application/json',
              'Cache-Control': { includes: 'max-age=' },
              'X-Build': { matches: '^v2\\.\\d+\\.\\d+$' },
            },
          },
        },
        { url: api, name: 'regex fails', expect: { header: { 'X-Build': { matches: '^v3\\.' } } } },
        {
          url: api,
          name: 'exact with parameters',
          expect: { header: { 'Content-Type': 'application/json; charset=utf-8' } },
        },
      ]),
    );
    const run = await runCli(['--ndjson', list]);
    const byName = Object.fromEntries(parseNdjson(run.stdout).map((r) => [r.name, r.failures]));
    expect(byName).toEqual({
      'all hold': [],
      'regex fails': ['header x-build is "v2.14.1", expected to match the regular expression "^v3\\\\."'],
      'exact with parameters': [],
    });
  });

  it('an invalid regular expression makes that target invalid_target, naming the field; others run', async () => {
    const list = await tmp.file(
      'bad-regex.json',
      JSON.stringify([{ url: api, expect: { header: { 'X-Build': { matches: '(v2' } } } }, api]),
    );
    const run = await runCli(['--ndjson', list]);
    expect(run.code).toBe(1);
    const [bad, good] = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(bad!.error?.code).toBe('invalid_target');
    expect(bad!.error?.message).toContain('field "expect.header.X-Build.matches": invalid regular expression "(v2"');
    expect(good!.ok).toBe(true);
  });
});
