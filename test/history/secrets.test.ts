/**
 * Runs over time keep secrets out of every file they write, and still recognise a target whose
 * URL carries a password: identity is the URL as the reports write it (redacted).
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson, runCli, tempDir } from '../cli/harness.js';
import { type ChangingServer, startChangingServer } from './server.js';

let server: ChangingServer;
let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  server = await startChangingServer();
  tmp = await tempDir();
});
afterAll(async () => {
  await server.close();
  await tmp.cleanup();
});

describe('secrets across runs', () => {
  it('a URL with a password: same target in both runs, never written in clear', async () => {
    const url = server.base.replace('http://', 'http://user:hunter2secret@');
    const target = `${url}/a`;
    const first = await runCli(['--ndjson', target]);
    expect(first.stdout).not.toContain('hunter2secret');
    const base = await tmp.file('base.ndjson', first.stdout);
    const files = { state: `${tmp.dir}/s.state`, cache: `${tmp.dir}/c.cache`, om: `${tmp.dir}/m.prom` };
    const args = ['--ndjson', '--baseline', base, '--state', files.state, '--openmetrics', files.om];
    const second = await runCli([...args, '--cache', files.cache, target]);
    expect(second.code, second.stderr).toBe(0);
    expect(parseNdjson(second.stdout).map((r) => r.change)).toEqual(['ok']);
    const third = await runCli([...args, '--cache', files.cache, target]);
    expect(parseNdjson(third.stdout).map((r) => [r.change, r.cached])).toEqual([['ok', true]]);
    for (const text of [second.stdout, second.stderr, third.stdout, third.stderr])
      expect(text).not.toContain('hunter2secret');
    for (const file of Object.values(files)) {
      const content = await readFile(file, 'utf8');
      expect(content, file).not.toContain('hunter2secret');
      // The normalized URL carries no user info at all; the input, kept whole in the cache, shows ***.
      if (file === files.cache) expect(content).toContain('user:***@');
    }
  });
});
