/**
 * The body flags through the built CLI: --output-dir, --output-template, --hash, --expect-json,
 * --expect-match, --max-body-buffer; their fields in every machine format; a disk that fills up
 * (a 1 MiB tmpfs in a private mount namespace, when we may mount one).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { childrenNamed, parseXml } from '../report/xml-reader.js';
import { BIN, csvObjects, expectUsageError, parseJsonReport, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  server = await startHttpServer({
    '/health': (_req, ctx) => send(ctx.socket, response(200, '{"status":"ok","items":[1,2,3]}')),
  });
  tmp = await tempDir();
});
afterAll(async () => {
  await server?.close();
  await tmp?.cleanup();
});

const sha256sum = (file: string): string => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0]!;

describe('--output-dir and --hash in every format', () => {
  it('NDJSON, JSON, CSV and JUnit carry savedTo and the digest, which is sha256sum of the file', async () => {
    const out = join(tmp.dir, 'formats');
    const junit = join(tmp.dir, 'bodies.xml');
    const urls = [`${server.url}/bytes/5000`, `${server.url}/chunked/20000`, `${server.url}/health?v=1`];
    const common = ['--output-dir', out, '--hash', 'sha256', '--no-progress'];
    const nd = await runCli([...common, '--ndjson', '--junit', junit, ...urls]);
    expect(nd.code).toBe(0);
    const results = parseNdjson(nd.stdout).sort((a, b) => a.index - b.index);
    const h = `127.0.0.1_${server.port}`;
    expect(results.map((r) => r.savedTo)).toEqual([`${h}/bytes/5000`, `${h}/chunked/20000`, `${h}/health@v=1`]);
    for (const r of results) expect(r.sha256).toBe(sha256sum(join(out, r.savedTo!)));

    const json = parseJsonReport((await runCli([...common, '--json', ...urls])).stdout);
    expect(json.results.map((r) => [r.savedTo, r.sha256])).toEqual(results.map((r) => [r.savedTo, r.sha256]));

    const csv = csvObjects((await runCli([...common, '--csv', ...urls])).stdout);
    expect(csv.map((row) => [row.saved_to, row.sha256, row.sha1, row.md5])).toEqual(
      results.map((r) => [r.savedTo, r.sha256, '', '']),
    );

    const cases = childrenNamed(childrenNamed(parseXml(readFileSync(junit, 'utf8')), 'testsuite')[0]!, 'testcase');
    const props = cases.map((c) =>
      childrenNamed(childrenNamed(c, 'properties')[0]!, 'property').map((p) => [p.attrs.name, p.attrs.value]),
    );
    expect(props).toEqual(
      results.map((r) => [
        ['httpVersion', '1.1'],
        ['savedTo', r.savedTo],
        ['sha256', r.sha256],
      ]),
    );
  });

  it('without the flags: savedTo null, no digest field, empty CSV columns', async () => {
    const nd = parseNdjson((await runCli(['--ndjson', '--no-progress', `${server.url}/ok`])).stdout);
    expect(nd[0]).toMatchObject({ savedTo: null });
    expect(Object.keys(nd[0]!).filter((k) => ['sha256', 'sha1', 'md5'].includes(k))).toEqual([]);
    const csv = csvObjects((await runCli(['--csv', '--no-progress', `${server.url}/ok`])).stdout);
    expect(csv[0]).toMatchObject({ saved_to: '', sha256: '', sha1: '', md5: '' });
  });

  it('--output-template lays the files out', async () => {
    const out = join(tmp.dir, 'template');
    const run = await runCli([
      '--ndjson',
      '--no-progress',
      '--output-dir',
      out,
      '--output-template',
      '{status}/{index}{ext}',
      `${server.url}/health`,
      `${server.url}/status/404`,
    ]);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.savedTo)).toEqual(['200/0', '404/1']);
    expect(readFileSync(join(out, '200/0'), 'utf8')).toBe('{"status":"ok","items":[1,2,3]}');
  });

  it('a directory that cannot be used is a usage error before any request', async () => {
    const file = await tmp.file('not-a-dir', 'x');
    const before = server.requests;
    const run = await runCli(['--output-dir', file, `${server.url}/ok`]);
    expectUsageError(run, `--output-dir ${file}: cannot create it: not a directory (ENOTDIR)`);
    expect(server.requests).toBe(before);
    expectUsageError(
      await runCli(['--output-template', '{nope}', `${server.url}/ok`]),
      /--output-template: unknown placeholder \{nope\}/,
    );
    expectUsageError(
      await runCli(['--hash', 'crc32', `${server.url}/ok`]),
      '--hash: must be one of sha256, sha1, md5, got "crc32"',
    );
  });
});

describe('--expect-json and --expect-match', () => {
  it('pass, and fail with the documented messages and exit 1', async () => {
    const pass = await runCli([
      '--ndjson',
      '--no-progress',
      '--expect-json',
      '$.status="ok"',
      '--expect-json',
      '$.items.length=3',
      '--expect-match',
      '"status":\\s*"ok"',
      `${server.url}/health`,
    ]);
    expect(pass.code).toBe(0);
    const fail = await runCli([
      '--ndjson',
      '--no-progress',
      '--expect-json',
      '$.status="down"',
      '--expect-json',
      '$.build.sha={"exists":true}',
      '--expect-match',
      '/DOWN/i',
      `${server.url}/health`,
      `${server.url}/ok`,
    ]);
    expect(fail.code).toBe(1);
    const results = parseNdjson(fail.stdout).sort((a, b) => a.index - b.index);
    expect(results[0]!.failures).toEqual([
      'json $.status is "ok", not "down"',
      'json $.build.sha: no such path',
      'body does not match /DOWN/i',
    ]);
    expect(results[1]!.failures).toEqual(['body is not JSON', 'body does not match /DOWN/i']);
  });

  it('--max-body-buffer: a longer body is reported, not checked', async () => {
    const run = await runCli([
      '--ndjson',
      '--no-progress',
      '--max-body-buffer',
      '10',
      '--expect-match',
      'ok',
      `${server.url}/health`,
    ]);
    expect(parseNdjson(run.stdout)[0]!.failures).toEqual(['body over 10 bytes, not checked']);
  });

  it('apply to targets of a file that sets its own expect, unless they set the same check', async () => {
    const list = await tmp.file(
      'list.json',
      JSON.stringify([
        { url: `${server.url}/health`, expect: { status: 200 } },
        { url: `${server.url}/health`, expect: { json: { '$.items[0]': 1 } } },
      ]),
    );
    const run = await runCli(['--ndjson', '--no-progress', '--expect-json', '$.status="down"', list]);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.failures)).toEqual([['json $.status is "ok", not "down"'], []]);
  });

  it('bad flags are usage errors naming the flag', async () => {
    expectUsageError(
      await runCli(['--expect-json', '$.a=b', 'x']),
      `--expect-json: value "b" is not JSON (a string needs quotes: '$.a="b"')`,
    );
    expectUsageError(
      await runCli(['--expect-json', '$..a=1', 'x']),
      /--expect-json: JSONPath "\$\.\.a=1" at character 2: descendant/,
    );
    expectUsageError(
      await runCli(['--expect-match', 'a(', 'x']),
      '--expect-match: "a(" is not a valid regular expression: Unterminated group',
    );
    expectUsageError(await runCli(['--expect', '999', '--expect-match', 'a', 'x']), /^fetch-many: --expect: /);
  });
});

/** Runs a command to its end (killed after 30 s), without blocking this process's event loop. */
function spawnAsync(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(guard);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Whether this process may make a private mount namespace with a tmpfs in it (root, unshare). */
function canMountTmpfs(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = join(tmp?.dir ?? '/tmp', 'probe');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mkdir -p "$0" && mount -t tmpfs -o size=64k tmpfs "$0"', probe], {
    timeout: 5000,
  });
  return r.status === 0
    ? null
    : `cannot mount a tmpfs in a private namespace (${r.stderr?.toString().trim() || r.error?.message})`;
}

describe('a disk that fills up', () => {
  it('a 1 MiB tmpfs: only the body that did not fit fails (write, ENOSPC), and leaves no partial file', async (ctx) => {
    const why = canMountTmpfs();
    if (why !== null) {
      ctx.skip(`skipped: ${why}`);
      return;
    }
    const mnt = join(tmp.dir, 'tmpfs');
    mkdirSync(mnt);
    const listing = join(tmp.dir, 'listing.txt');
    const urls = [`${server.url}/bytes/1000`, `${server.url}/chunked/20000`, `${server.url}/bytes/3000000`];
    // The mount exists only inside the namespace: the CLI runs there, and the files are listed
    // there before it goes away. -c 1: the small bodies are written before the large one fills the disk.
    const script =
      'mount -t tmpfs -o size=1m tmpfs "$0" || exit 99; "$1" "$2" --ndjson --no-progress -c 1 --output-dir "$0/out" "$4" "$5" "$6"; rc=$?; ' +
      'find "$0/out" -type f -printf "%P %s\\n" | sort > "$3"; exit $rc';
    // Asynchronously: the test server answering the CLI runs in this very process.
    const r = await spawnAsync('unshare', ['-m', 'sh', '-c', script, mnt, process.execPath, BIN, listing, ...urls]);
    expect(r.status, r.stderr).toBe(1);
    const results = parseNdjson(r.stdout).sort((a, b) => a.index - b.index);
    const h = `127.0.0.1_${server.port}`;
    expect(results.map((x) => x.error?.code ?? null)).toEqual([null, null, 'write']);
    expect(results[2]!.error!.message).toBe(
      `cannot write ${mnt}/out/${h}/bytes/3000000: no space left on device (ENOSPC)`,
    );
    expect(results[2]!.savedTo).toBeNull();
    expect(readFileSync(listing, 'utf8').trim().split('\n')).toEqual([
      `${h}/bytes/1000 1000`,
      `${h}/chunked/20000 20000`,
    ]);
    // Nothing was written outside the mount.
    expect(readdirSync(mnt)).toEqual([]);
  });
});
