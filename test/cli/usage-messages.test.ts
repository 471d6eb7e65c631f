/**
 * Issue 12 item 11: usage messages never echo raw values — CR, LF, ESC and the other C0/C1
 * controls are escaped, so a message is one line and no control character reaches the
 * terminal — and an errno reads once (`no space left on device (ENOSPC)`, not `ENOSPC: ENOSPC:`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errnoWords } from '../../src/errno.js';
import { startHttpServer } from '../helpers/servers.js';
import { closeAfterEach } from '../helpers/track.js';
import { expectUsageError, runCli, startCli, tempDir, waitFor } from './harness.js';

const start = closeAfterEach();
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('usage messages escape what the user typed', () => {
  it.each([
    [['-X', 'GET\r\nX: 1', 'http://127.0.0.1:9/'], '--method "GET\\r\\nX: 1"'],
    [['-X', '\u001b[31m', 'http://127.0.0.1:9/'], '\\u001b[31m'],
    [['-X', 'GET\u009b2J', 'http://127.0.0.1:9/'], '\\u009b2J'],
    [['--bogus\u001b[2J', 'http://127.0.0.1:9/'], '\\u001b[2J'],
    [['--color', '\u001b[31m', 'http://127.0.0.1:9/'], '\\u001b[31m'],
    [['-t', '1s\r\nfetch-many: fake line', 'http://127.0.0.1:9/'], '\\r\\n'],
    [['-c', '\u0007', 'http://127.0.0.1:9/'], '\\u0007'],
    [['-H', 'X-A\u001b: 1', 'http://127.0.0.1:9/'], '\\u001b'],
    [['--expect-header', 'X: \u0007', 'http://127.0.0.1:9/'], '\\u0007'],
    [['./missing\u001b[31m.json'], 'no such file: ./missing\\u001b[31m.json'],
    [['-d', '@/nonexistent/\r\npath'], 'cannot read /nonexistent/\\r\\npath: no such file'],
  ])('%j → one line, escaped', async (args, shown) => {
    const run = await runCli(args);
    expectUsageError(run, shown);
    expect(run.stderr.slice(0, -1)).not.toMatch(CONTROL);
  });
});

describe("commander's suggestion", () => {
  it('stays on the one line', async () => {
    expectUsageError(
      await runCli(['--concurency', '5', 'http://127.0.0.1:9/']),
      "unknown option '--concurency' (did you mean --concurrency?) (see --help)",
    );
  });
});

describe('errno wording, once', () => {
  it('reads a Node errno error once', () => {
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), {
      code: 'ENOSPC',
      errno: -28,
      syscall: 'write',
    });
    expect(errnoWords(enospc)).toBe('no space left on device (ENOSPC)');
    const eio = Object.assign(new Error("EIO: i/o error, open '/x'"), { code: 'EIO' });
    expect(errnoWords(eio)).toBe('input/output error (EIO)');
    const odd = Object.assign(new Error('EWEIRD: something odd, read'), { code: 'EWEIRD' });
    expect(errnoWords(odd)).toBe('something odd (EWEIRD)');
    expect(errnoWords(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe('no such file');
  });

  it('a report that cannot be written says why once, without the code twice', async () => {
    const server = await start(startHttpServer());
    const tmp = await tempDir();
    try {
      const junit = join(tmp.dir, 'report.xml');
      const cli = startCli(['--no-progress', '--junit', junit, `${server.url}/slow/400`]);
      await waitFor(() => server.requests === 1, 'the request in flight');
      // The path was writable when checked; now it is a directory the report cannot replace.
      await mkdir(join(junit, 'inside'), { recursive: true });
      const run = await cli.done;
      expect(run.code).toBe(2);
      const last = run.stderr.trimEnd().split('\n').at(-1) ?? '';
      expect(last).toMatch(
        /^fetch-many: cannot write the report: (?:is a directory|directory not empty \(ENOTEMPTY\))$/,
      );
      expect(last).not.toMatch(/\b(E[A-Z]+): \1\b/);
    } finally {
      await tmp.cleanup();
    }
  });
});
