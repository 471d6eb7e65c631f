/**
 * Issue 12, item 9, end to end: a server puts an 8-bit CSI (0x9B, read as U+009B) in a header
 * that a failed expectation quotes. No machine format may carry it raw to stdout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { response, send, startHttpServer, type TestServer } from '../helpers/servers.js';
import { runCli, tempDir } from './harness.js';

let server: TestServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let file = '';

beforeAll(async () => {
  server = await startHttpServer({
    // latin1: the byte 0x9B on the wire, which a header value decodes to U+009B.
    '/evil': (_req, ctx) => send(ctx.socket, response(200, 'ok', [['X-Evil', '\u009b2J\u009b31mred']])),
  });
  tmp = await tempDir();
  file = await tmp.file(
    't.json',
    JSON.stringify([{ url: `${server.url}/evil`, expect: { header: { 'x-evil': 'calm' } } }]),
  );
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

describe('C1 controls from a server', () => {
  it.each(['--ndjson', '--json', '--csv', '--markdown', 'the table'])('%s: escaped on stdout', async (format) => {
    const run = await runCli([...(format.startsWith('--') ? [format] : []), file]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('x-evil');
    expect(run.stdout).not.toMatch(/[\u0080-\u009f]/);
    expect(run.stderr).not.toMatch(/[\u0080-\u009f]/);
  });
});
