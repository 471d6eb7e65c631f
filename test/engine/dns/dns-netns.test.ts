/**
 * The system resolver's path, end to end: the CLI without --dns-server reads /etc/resolv.conf
 * (servers, search list) and /etc/hosts. The test gets its own /etc/resolv.conf without touching
 * the machine's: a private network namespace (only its own loopback) and a private mount namespace
 * in which a temporary file is bind-mounted over /etc/resolv.conf. That needs root and
 * unshare(1); without them the test is skipped, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Result } from '../../../src/types.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'fetch-many-netns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Why namespaces cannot be used here, or null when they can. */
function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (unshare -n -m)';
  const probe = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'true'], { timeout: 10_000 });
  if (probe.error !== undefined) return `unshare(1) cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare -n -m fails here: ${String(probe.stderr).trim()}`;
  // `ip` brings the namespace's loopback up.
  if (spawnSync('ip', ['-V']).error !== undefined) return 'ip(8) is missing (iproute2)';
  return null;
}

const unavailable = namespacesUnavailable();

describe('the system resolver inside a private network namespace', () => {
  it.skipIf(unavailable !== null)(
    `reads resolv.conf (server, search list) and the hosts file${unavailable === null ? '' : ` — skipped: ${unavailable}`}`,
    () => {
      const resolvConf = join(dir, 'resolv.conf');
      writeFileSync(resolvConf, 'nameserver 127.0.0.1\nsearch corp.test\noptions ndots:1 timeout:1 attempts:1\n');
      const script = [
        'set -e',
        'ip link set lo up',
        // Private mount namespace (--propagation private): the bind mount is seen by nothing outside it.
        `mount --bind "${resolvConf}" /etc/resolv.conf`,
        `exec "${process.execPath}" --import tsx test/helpers/netns-system-resolver.ts "${ROOT}"`,
      ].join('\n');
      const run = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', script], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      // The CLI's summary line goes to stderr; anything else there is shown if the run failed.
      expect(run.status, run.stderr).toBe(0);
      const out = JSON.parse(run.stdout) as {
        exitCode: number;
        results: Result[];
        questions: Array<{ name: string; type: string }>;
      };
      const byUrl = new Map(out.results.map((r) => [new URL(r.url ?? '').hostname, r]));
      expect(byUrl.get('sys.test')?.status).toBe(200);
      expect(byUrl.get('short')?.status).toBe(200);
      expect(byUrl.get('slow.test')?.status).toBe(200);
      expect(byUrl.get('localhost')?.status).toBe(200);
      expect(byUrl.get('nx.test')?.error).toEqual({
        code: 'dns',
        message: 'cannot resolve nx.test: no such name (NXDOMAIN)',
      });
      expect(byUrl.get('sys.test')?.timings.dns).not.toBeNull();
      const asked = new Set(out.questions.map((q) => q.name));
      // `short` has fewer dots than ndots 1: the search suffix first, answered there.
      expect(asked.has('short.corp.test')).toBe(true);
      // localhost is the hosts file's (or RFC 6761's), never a query.
      expect([...asked].some((n) => n.startsWith('localhost'))).toBe(false);
      expect(out.exitCode).toBe(1);
    },
  );
});
