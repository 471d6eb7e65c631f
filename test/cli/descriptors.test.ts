import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestServer } from '../helpers/servers.js';
import { BIN, parseNdjson, tempDir } from './harness.js';

/**
 * Issue 4: running out of file descriptors (EMFILE) under a high --concurrency slows the run down
 * instead of failing targets. The CLI runs under `ulimit -n 48` (soft and hard: node raises the soft limit to the hard one at startup), so at most a few dozen sockets
 * can be open while 300 are asked for.
 */
describe('out of file descriptors', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startHttpServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('every target still succeeds when -c is far above the descriptor limit', async () => {
    const tmp = await tempDir();
    try {
      const lines = Array.from({ length: 300 }, (_, i) => `${server.url}/slow/30?i=${i}`).join('\n');
      const file = await tmp.file('targets.txt', `${lines}\n`);
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'bash',
          [
            '-c',
            'ulimit -Sn 48 && ulimit -Hn 48 && exec "$0" "$@"',
            process.execPath,
            BIN,
            '-c',
            '300',
            '--per-host',
            '300',
            '--ndjson',
            file,
          ],
          { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      });
      const results = parseNdjson(run.stdout);
      expect(results).toHaveLength(300);
      expect(new Set(results.map((r) => r.index)).size).toBe(300);
      expect(results.filter((r) => !r.ok).map((r) => r.error?.message)).toEqual([]);
      expect(run.code).toBe(0);
      // It really was short of descriptors: never more than the limit allows were open at once.
      expect(server.connections).toBeLessThan(300);
    } finally {
      await tmp.cleanup();
    }
  });
});
