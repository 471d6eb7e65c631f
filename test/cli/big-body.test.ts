/**
 * Issue 22: a target file with a large JSON body used to hang the run (the URL-password regex
 * was quadratic over each result's input, body included: 400 KB never finished). A 5 MB body now
 * completes, is sent whole, and its content is nowhere in any report — the input shows the body
 * as its size and digest. The body is full of runs of URL characters (`[A-Za-z0-9+.-]`), the
 * shape that made the old regex quadratic.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { runCli, tempDir } from './harness.js';

const MARK = 'BODYMARK';
let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let targetsFile = '';
let body = '';
const received: number[] = [];

beforeAll(async () => {
  server = await startHttpServer({
    '/upload': (req, ctx) => {
      received.push(req.body.length);
      send(ctx.socket, response(req.body.toString('utf8') === body ? 200 : 400, 'ok'));
    },
  });
  tmp = await tempDir();
  const item = (i: number) => ({ id: i, name: `${MARK}-${i}`, tag: 'alpha-beta.gamma+delta0123456789'.repeat(4) });
  const count = Math.ceil((5 * 1024 * 1024) / JSON.stringify(item(0)).length);
  body = JSON.stringify({ items: Array.from({ length: count }, (_, i) => item(i)) });
  const targets = [
    // Ok (200), and a failing one (expects 201) so the failure-only reports (Markdown) list it too.
    { url: `${server.url}/upload`, method: 'POST', headers: { 'Content-Type': 'application/json' }, body },
    { url: `${server.url}/upload`, name: 'second', data: body, expect: { status: 201 } },
  ];
  targetsFile = await tmp.file('targets.json', JSON.stringify(targets));
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

function expectNoBody(where: string, text: string): void {
  expect(text.length, where).toBeGreaterThan(0);
  // Any 40-character piece of the body would do; these are the body's own words.
  expect(text.includes(MARK), `${where} holds the body`).toBe(false);
  expect(text.includes('alpha-beta.gamma+delta'), `${where} holds the body`).toBe(false);
}

describe('a 5 MB JSON body in a target file (issue 22)', () => {
  it.each([
    ['the table', []],
    ['NDJSON', ['--ndjson']],
    ['JSON', ['--json']],
    ['CSV', ['--csv']],
    ['Markdown', ['--markdown']],
  ])('%s: the run completes, the body is sent whole and shown nowhere', async (label, args) => {
    const before = received.length;
    const run = await runCli([...args, targetsFile], { env: { COLUMNS: '400' }, killAfterMs: 60_000 });
    expect(run.code, run.stderr).toBe(1);
    expect(received.slice(before)).toEqual([Buffer.byteLength(body), Buffer.byteLength(body)]);
    expectNoBody(`${label} stdout`, run.stdout);
    expect(run.stderr.includes(MARK)).toBe(false);
  });

  it('NDJSON shows the body as its size and digest, the rest of the input as given', async () => {
    const run = await runCli(['--ndjson', targetsFile], { killAfterMs: 60_000 });
    const results = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { index: number; input: string; status: number; ok: boolean })
      .sort((a, b) => a.index - b.index);
    expect(results.map((r) => [r.status, r.ok])).toEqual([
      [200, true],
      [200, false],
    ]);
    const first = JSON.parse(results[0]!.input) as Record<string, unknown>;
    expect(first).toMatchObject({ url: `${server.url}/upload`, method: 'POST' });
    expect(first.body).toMatch(new RegExp(`^<${Buffer.byteLength(body)} bytes not shown, fnv1a [0-9a-f]{8}>$`));
    expect((JSON.parse(results[1]!.input) as Record<string, unknown>).data).toBe(first.body);
  });

  it('JUnit: completes, and the body is nowhere in the file', async () => {
    const junit = join(tmp.dir, 'big.xml');
    const run = await runCli(['--junit', junit, '--quiet', targetsFile], { killAfterMs: 60_000 });
    expect(run.code, run.stderr).toBe(1);
    expectNoBody('JUnit', await readFile(junit, 'utf8'));
  });
});
