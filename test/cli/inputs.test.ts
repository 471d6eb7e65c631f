/**
 * Where targets come from, as a user gives them: arguments, JSON files in their three shapes,
 * stdin in each format (explicit `-` and implicit), and all of them mixed in one run. Every run
 * must yield exactly one result per target, in input order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { csvObjects, expectNoCrash, parseJsonReport, parseNdjson, runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
/** A URL on the test server answering 200 `ok`, told apart by its query. */
const ok = (tag: string): string => `${server.url}/ok?t=${tag}`;

beforeAll(async () => {
  server = await startHttpServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

/** What the server received for `?t=tag` (exactly one request each is expected). */
function receivedFor(tag: string) {
  const hits = server.received.filter((r) => r.target === `/ok?t=${tag}`);
  expect(hits, `requests for ${tag}`).toHaveLength(1);
  return hits[0]!;
}

describe('targets from arguments', () => {
  it('fetches each URL argument once and reports in input order', async () => {
    // The slow first target finishes last: JSON output must still be in input order.
    const urls = [`${server.url}/slow/150?t=a0`, ok('a1'), ok('a2')];
    const run = await runCli(['--json', ...urls]);
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(results.map((r) => r.url)).toEqual(urls);
    expect(results.every((r) => r.ok && r.status === 200)).toBe(true);
    receivedFor('a1');
    receivedFor('a2');
  });

  it('accepts host:port/path shorthand', async () => {
    const run = await runCli(['--ndjson', `127.0.0.1:${server.port}/ok?t=short`]);
    expect(run.code, run.stderr).toBe(0);
    const [r] = parseNdjson(run.stdout);
    expect(r?.url).toBe(`http://127.0.0.1:${server.port}/ok?t=short`);
    receivedFor('short');
  });
});

describe('targets from a JSON file', () => {
  it('reads an array of strings', async () => {
    const file = await tmp.file('strings.json', JSON.stringify([ok('s1'), ok('s2'), ok('s3')]));
    const run = await runCli(['--json', file]);
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.input)).toEqual([ok('s1'), ok('s2'), ok('s3')]);
  });

  it('reads an array of objects, with method, headers, body, name and host/port/path', async () => {
    const targets = [
      { url: ok('o1'), method: 'POST', headers: { 'X-Test': 'one' }, body: 'hello' },
      { host: '127.0.0.1', port: server.port, path: '/ok?t=o2', name: 'by host' },
      { url: ok('o3'), method: 'HEAD' },
    ];
    const file = await tmp.file('objects.json', JSON.stringify(targets));
    const run = await runCli(['--ndjson', file]);
    expect(run.code, run.stderr).toBe(0);
    const results = parseNdjson(run.stdout).sort((a, b) => a.index - b.index);
    expect(results.map((r) => r.method)).toEqual(['POST', 'GET', 'HEAD']);
    expect(results[1]?.name).toBe('by host');
    expect(results[1]?.url).toBe(ok('o2'));

    const o1 = receivedFor('o1');
    expect(o1.method).toBe('POST');
    expect(o1.header('x-test')).toBe('one');
    expect(o1.body.toString()).toBe('hello');
    expect(receivedFor('o3').method).toBe('HEAD');
  });

  it('reads {defaults, targets}: defaults apply to targets that set nothing', async () => {
    const doc = {
      defaults: { method: 'PUT', headers: { 'X-From': 'defaults' }, body: 'd' },
      targets: [ok('d1'), { url: ok('d2'), method: 'DELETE', headers: { 'X-From': 'own' } }],
    };
    const file = await tmp.file('doc.json', JSON.stringify(doc, null, 2));
    const run = await runCli(['--json', file]);
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results).toHaveLength(2);
    const d1 = receivedFor('d1');
    expect(d1.method).toBe('PUT');
    expect(d1.header('x-from')).toBe('defaults');
    expect(d1.body.toString()).toBe('d');
    const d2 = receivedFor('d2');
    expect(d2.method).toBe('DELETE');
    expect(d2.header('x-from')).toBe('own');
  });

  it('reads a newline list file that has no .json extension', async () => {
    const file = await tmp.file('list.txt', `# my targets\n${ok('l1')}\n\n  ${ok('l2')}  \r\n`);
    const run = await runCli(['--ndjson', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(
      parseNdjson(run.stdout)
        .map((r) => r.url)
        .sort(),
    ).toEqual([ok('l1'), ok('l2')]);
  });
});

describe('targets from stdin', () => {
  it('reads a newline list from `-`, skipping comments and blank lines', async () => {
    const stdin = `# comment\n${ok('n1')}\n\n   \n# another ${ok('not-this')}\n${ok('n2')}\r\n${ok('n3')}`;
    const run = await runCli(['--json', '-'], { stdin });
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.url)).toEqual([ok('n1'), ok('n2'), ok('n3')]);
    expect(server.received.some((r) => r.target.includes('not-this'))).toBe(false);
  });

  it('reads stdin implicitly when there are no arguments and stdin is a pipe', async () => {
    const run = await runCli(['--json'], { stdin: `${ok('i1')}\n${ok('i2')}\n` });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonReport(run.stdout).results.map((r) => r.url)).toEqual([ok('i1'), ok('i2')]);
  });

  it('reads a JSON array from stdin', async () => {
    const stdin = JSON.stringify([ok('j1'), { url: ok('j2'), method: 'HEAD' }], null, 2);
    const run = await runCli(['--json', '-'], { stdin });
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => [r.url, r.method])).toEqual([
      [ok('j1'), 'GET'],
      [ok('j2'), 'HEAD'],
    ]);
  });

  it('reads JSON lines from stdin (objects and strings)', async () => {
    const stdin = [
      JSON.stringify({ url: ok('jl1'), method: 'POST', body: 'b1' }),
      JSON.stringify(ok('jl2')),
      '',
      JSON.stringify({ url: ok('jl3'), name: 'third' }),
    ].join('\n');
    const run = await runCli(['--json'], { stdin });
    expect(run.code, run.stderr).toBe(0);
    const { results } = parseJsonReport(run.stdout);
    expect(results.map((r) => r.url)).toEqual([ok('jl1'), ok('jl2'), ok('jl3')]);
    expect(results[2]?.name).toBe('third');
    expect(receivedFor('jl1').body.toString()).toBe('b1');
  });

  it('reads a pretty-printed {defaults, targets} document from stdin', async () => {
    const stdin = JSON.stringify(
      { defaults: { headers: { 'X-Doc': 'yes' } }, targets: [ok('pd1'), ok('pd2')] },
      null,
      2,
    );
    const run = await runCli(['--json', '-'], { stdin });
    expect(run.code, run.stderr).toBe(0);
    expect(parseJsonReport(run.stdout).results).toHaveLength(2);
    expect(receivedFor('pd1').header('x-doc')).toBe('yes');
  });
});

describe('all sources in one run', () => {
  it('yields one result per target, in argument order, across args, a file and stdin', async () => {
    const file = await tmp.file(
      'mixed.json',
      JSON.stringify({
        defaults: { headers: { 'X-From': 'file' } },
        targets: [ok('m-f1'), { url: ok('m-f2'), name: 'second' }],
      }),
    );
    const stdin = `${ok('m-s1')}\n# skip\n\n${ok('m-s2')}\n`;
    const args = [ok('m-a0'), file, '-', `${server.url}/status/404?t=m-a9`];
    const expected = [ok('m-a0'), ok('m-f1'), ok('m-f2'), ok('m-s1'), ok('m-s2'), `${server.url}/status/404?t=m-a9`];

    for (const format of ['--json', '--csv', '--ndjson'] as const) {
      const run = await runCli([format, ...args], { stdin });
      // The 404 makes the run fail: exit 1, and every other target still ran.
      expect(run.code, run.stderr).toBe(1);
      expectNoCrash(run);
      if (format === '--json') {
        const { results } = parseJsonReport(run.stdout);
        expect(results.map((r) => r.url)).toEqual(expected);
        expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5]);
        expect(results.map((r) => r.ok)).toEqual([true, true, true, true, true, false]);
        expect(results[2]?.name).toBe('second');
      } else if (format === '--ndjson') {
        const results = parseNdjson(run.stdout);
        expect(results.sort((a, b) => a.index - b.index).map((r) => r.url)).toEqual(expected);
      } else {
        const rows = csvObjects(run.stdout);
        expect(rows.map((r) => r.url)).toEqual(expected);
        expect(rows.map((r) => r.index)).toEqual(['0', '1', '2', '3', '4', '5']);
      }
    }
    // The file's defaults reached the file's targets only.
    const from = (tag: string) =>
      server.received.filter((r) => r.target === `/ok?t=${tag}`).map((r) => r.header('x-from'));
    expect(from('m-f1')).toEqual(['file', 'file', 'file']);
    expect(from('m-a0')).toEqual([undefined, undefined, undefined]);
    expect(from('m-s1')).toEqual([undefined, undefined, undefined]);
  });
});
