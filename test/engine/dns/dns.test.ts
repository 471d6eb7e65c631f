/**
 * Name resolution through the system resolver's path — hosts file, then DNS with resolv.conf's
 * search list and ndots — against a DNS server the test starts on loopback (`dnsServers`), never
 * the machine's. Each failure keeps its meaning; waiting for a lookup slot is queue time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { RCODE, startDnsServer } from '../../helpers/dns-server.js';
import { startHttpServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';
import { byIndex, one, run } from '../harness.js';

const start = closeAfterEach();
const dir = mkdtempSync(join(tmpdir(), 'fetch-many-dns-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes a file in the test's directory and returns its path. */
function file(text: string): string {
  const path = join(dir, `f${fileCount++}`);
  writeFileSync(path, text);
  return path;
}

/** Resolver files that ask nothing of the machine: an empty hosts file, no search list. */
function files(hosts = '', resolvConf = 'nameserver 127.0.0.1\n') {
  return { resolverFiles: { hostsPath: file(hosts), resolvConfPath: file(resolvConf) } };
}

describe('resolving through a DNS server', () => {
  it('asks A and AAAA once per name and connects to the answer', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ table: { 'app.test': { a: ['127.0.0.1'] } } }));
    const results = await run([`http://app.test:${server.port}/ok`, `http://APP.test:${server.port}/ok`], {
      dnsServers: [dns.address],
      ...files(),
      perHost: 1,
    });
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(results.map((r) => r.remoteAddress)).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(dns.questions.map((q) => `${q.name} ${q.type}`).sort()).toEqual(['app.test A', 'app.test AAAA']);
  });

  it('resolves many names at once: lookups overlap at the server', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ fallback: () => ({ a: ['127.0.0.1'] }), delayMs: 100 }));
    const names = Array.from({ length: 200 }, (_, i) => `http://h${i}.many.test:${server.port}/ok`);
    const results = await run(names, { dnsServers: [dns.address], ...files(), concurrency: 100 });
    expect(results.filter((r) => r.ok)).toHaveLength(200);
    // Not one lookup after another: a hundred names were being looked up together.
    expect(dns.maxPending).toBeGreaterThanOrEqual(100);
    expect(new Set(dns.questions.map((q) => q.name)).size).toBe(200);
  });

  it('caps lookups in flight at dnsConcurrency; the wait for a slot is not charged to the connect timeout', async () => {
    const server = await start(startHttpServer());
    // 16 names at 2 lookups at a time, 250 ms each: the last lookups start ~1.75 s after the
    // first, far past the 1 s connect budget. Each lookup on its own fits in it.
    const dns = await start(startDnsServer({ fallback: () => ({ a: ['127.0.0.1'] }), delayMs: 250 }));
    const names = Array.from({ length: 16 }, (_, i) => `http://s${i}.slow.test:${server.port}/ok`);
    const results = byIndex(
      await run(names, { dnsServers: [dns.address], ...files(), dnsConcurrency: 2, connectTimeout: 1000 }),
    );
    expect(results.map((r) => r.error?.code ?? 'ok')).toEqual(Array(16).fill('ok'));
    // A and AAAA for 2 names at most.
    expect(dns.maxPending).toBeLessThanOrEqual(4);
    // timings.dns is the lookup's own time, not its wait for a slot (≥ 1.75 s for the last ones);
    // total leaves that wait out too.
    for (const r of results) {
      expect(r.timings.dns).toBeGreaterThanOrEqual(200);
      expect(r.timings.dns).toBeLessThan(1500);
      expect(r.timings.total).toBeLessThan(1500);
    }
  });

  it('names in the hosts file, and localhost, are answered without a query', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer());
    const hosts = '# comment\n127.0.0.1   fromhosts.test  alias.test # trailing\n';
    const results = byIndex(
      await run(
        [
          `http://fromhosts.test:${server.port}/ok`,
          `http://ALIAS.test:${server.port}/ok`,
          `http://localhost:${server.port}/ok`,
          `http://api.localhost:${server.port}/ok`,
        ],
        { dnsServers: [dns.address], ...files(hosts) },
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(results.map((r) => r.remoteAddress)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    expect(dns.questions).toEqual([]);
  });

  it('an IP literal asks nobody', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer());
    const r = await one(`${server.url}/ok`, { dnsServers: [dns.address], ...files() });
    expect(r.status).toBe(200);
    expect(r.timings.dns).toBeNull();
    expect(dns.questions).toEqual([]);
  });

  it('applies the search list: fewer dots than ndots tries the suffixes first; a trailing dot is absolute', async () => {
    const server = await start(startHttpServer());
    const dns = await start(
      startDnsServer({
        table: {
          'api.corp.test': { a: ['127.0.0.1'] },
          'abs.test': { a: ['127.0.0.1'] },
          'two.dots.test': { a: ['127.0.0.1'] },
        },
      }),
    );
    const conf = 'nameserver 127.0.0.1\nsearch corp.test\noptions ndots:2\n';
    const results = byIndex(
      await run(
        [
          `http://api:${server.port}/ok`,
          `http://abs.test.:${server.port}/ok`,
          `http://two.dots.test:${server.port}/ok`,
        ],
        { dnsServers: [dns.address], ...files('', conf), concurrency: 1 },
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const asked = [...new Set(dns.questions.map((q) => q.name))];
    // api: 0 dots < 2, suffix first (answered). abs.test.: absolute, never suffixed.
    // two.dots.test: 2 dots ≥ ndots, asked as is first (answered).
    expect(asked).toEqual(['api.corp.test', 'abs.test', 'two.dots.test']);
  });

  it('a name not found with a suffix is asked as is after it', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ table: { 'short.test': { a: ['127.0.0.1'] } } }));
    const conf = 'nameserver 127.0.0.1\nsearch corp.test\noptions ndots:5\n';
    const r = await one(`http://short.test:${server.port}/ok`, { dnsServers: [dns.address], ...files('', conf) });
    expect(r.status).toBe(200);
    expect([...new Set(dns.questions.map((q) => q.name))]).toEqual(['short.test.corp.test', 'short.test']);
  });
});

describe('failures keep their meaning', () => {
  const cases = [
    { name: 'nx.test', answer: { rcode: RCODE.NXDOMAIN }, message: 'no such name (NXDOMAIN)' },
    { name: 'nodata.test', answer: {}, message: 'the name has no address record (NODATA)' },
    { name: 'fail.test', answer: { rcode: RCODE.SERVFAIL }, message: 'the DNS server failed (SERVFAIL)' },
    { name: 'refused.test', answer: { rcode: RCODE.REFUSED }, message: 'the DNS server refused the query (REFUSED)' },
  ];
  for (const c of cases) {
    it(`${c.message}: error dns`, async () => {
      const dns = await start(startDnsServer({ table: { [c.name]: c.answer } }));
      const r = await one(`http://${c.name}/`, { dnsServers: [dns.address], ...files() });
      expect(r.error).toEqual({ code: 'dns', message: `cannot resolve ${c.name}: ${c.message}` });
      expect(r.timings.dns).not.toBeNull();
    });
  }

  it('a server that never answers: dns, when the connect timeout (which covers the lookup) runs out', async () => {
    const dns = await start(startDnsServer({ table: { 'silent.test': { never: true } } }));
    const r = await one('http://silent.test/', { dnsServers: [dns.address], ...files(), connectTimeout: 400 });
    expect(r.error).toEqual({
      code: 'dns',
      message: 'cannot resolve silent.test: no answer from the DNS server within 400 ms (connect timeout)',
    });
  });

  it('a lookup that never ends gives its slot back after the connect timeout: the next name still runs', async () => {
    const server = await start(startHttpServer());
    const dns = await start(
      startDnsServer({ table: { 'silent.test': { never: true }, 'next.test': { a: ['127.0.0.1'] } } }),
    );
    const results = byIndex(
      await run([`http://silent.test:${server.port}/ok`, `http://next.test:${server.port}/ok`], {
        dnsServers: [dns.address],
        ...files(),
        dnsConcurrency: 1,
        connectTimeout: 300,
      }),
    );
    expect(results.map((r) => r.error?.code ?? r.status)).toEqual(['dns', 200]);
    // Held until c-ares gives up (resolv.conf's defaults: ~14 s), the slot would hold next.test
    // (its clock stopped, so without a timeout of its own) well past this test's time limit.
  }, 5000);

  it('a server that never answers: dns timeout from the resolver itself (resolv.conf timeout and attempts)', async () => {
    const dns = await start(startDnsServer({ table: { 'silent.test': { never: true } } }));
    // glibc's floor: timeout:1 (second), attempts:1. c-ares gives up long before the connect timeout.
    const conf = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';
    const r = await one('http://silent.test/', {
      dnsServers: [dns.address],
      ...files('', conf),
      connectTimeout: 20_000,
    });
    expect(r.error).toEqual({
      code: 'dns',
      message: 'cannot resolve silent.test: no answer from the DNS server (timeout)',
    });
  });

  it('one family failing does not hide the other: A answered and AAAA SERVFAIL is a success', async () => {
    const server = await start(startHttpServer());
    const dns = await start(
      startDnsServer({ table: { 'half.test': { a: ['127.0.0.1'], aaaaRcode: RCODE.SERVFAIL } } }),
    );
    const r = await one(`http://half.test:${server.port}/ok`, { dnsServers: [dns.address], ...files() });
    expect(r.status).toBe(200);
    expect(dns.questions.map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('AAAA never answered: the A answer is used after the resolution delay (RFC 8305 §3), not after the timeout', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ table: { 'noaaaa.test': { a: ['127.0.0.1'], aaaaNever: true } } }));
    // c-ares would wait ~14 s for the AAAA answer (resolv.conf's defaults); the connect timeout is 2 s.
    const r = await one(`http://noaaaa.test:${server.port}/ok`, {
      dnsServers: [dns.address],
      ...files(),
      connectTimeout: 2000,
    });
    expect(r.error).toBeNull();
    expect(r.remoteAddress).toBe('127.0.0.1');
    expect(dns.questions.map((q) => q.type).sort()).toEqual(['A', 'AAAA']);
  });

  it('names under .invalid never exist (RFC 6761 §6.4): NXDOMAIN without a query', async () => {
    const dns = await start(startDnsServer());
    const r = await one('http://nope.invalid/', { dnsServers: [dns.address], ...files() });
    expect(r.error).toEqual({ code: 'dns', message: 'cannot resolve nope.invalid: no such name (NXDOMAIN)' });
    expect(dns.questions).toEqual([]);
  });

  it('a retry after a dns failure asks the server again', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ table: { 'flaky.test': { rcode: RCODE.SERVFAIL } } }));
    setTimeout(() => {
      dns.table['flaky.test'] = { a: ['127.0.0.1'] };
    }, 50).unref();
    const r = await one(`http://flaky.test:${server.port}/ok`, {
      dnsServers: [dns.address],
      ...files(),
      retries: 3,
      retryDelay: 100,
    });
    expect(r.status).toBe(200);
    expect(r.attempts).toBeGreaterThan(1);
  });
});

describe('options', () => {
  it('takes servers as address, address:port and [IPv6]:port; IPv6 servers work', async () => {
    const server = await start(startHttpServer());
    const dns6 = await start(startDnsServer({ host: '::1', table: { 'six.test': { a: ['127.0.0.1'] } } }));
    const r = await one(`http://six.test:${server.port}/ok`, { dnsServers: [dns6.address], ...files() });
    expect(r.status).toBe(200);
    expect(dns6.questions.length).toBeGreaterThan(0);
  });

  it('rejects a bad server or a bad dnsConcurrency, naming it', async () => {
    for (const bad of ['dns.example.com', '127.0.0.1:53:1', '127.0.0.1:0', '127.0.0.1:99999', '[::1]:x']) {
      await expect(one('http://127.0.0.1:9/', { dnsServers: [bad] })).rejects.toThrow(UsageError);
      await expect(one('http://127.0.0.1:9/', { dnsServers: [bad] })).rejects.toThrow(
        `option "dnsServers": must be an IP address with an optional port (127.0.0.1:5353, [::1]:5353), got "${bad}"`,
      );
    }
    await expect(one('http://127.0.0.1:9/', { dnsServers: [] })).rejects.toThrow(/dnsServers.*at least one/);
    await expect(one('http://127.0.0.1:9/', { dnsConcurrency: 0 })).rejects.toThrow(/dnsConcurrency/);
    await expect(one('http://127.0.0.1:9/', { dnsConcurrency: 1.5 })).rejects.toThrow(/dnsConcurrency/);
  });

  it('an answer is reused for its TTL only', async () => {
    const server = await start(startHttpServer());
    const dns = await start(startDnsServer({ table: { 'ttl.test': { a: ['127.0.0.1'], ttl: 0 } } }));
    // perHost 1 and Connection: close: every request opens a new connection, so asks for the name
    // again once the answer has expired (TTL 0).
    const inputs = [0, 1, 2].map(() => ({
      url: `http://ttl.test:${server.port}/ok`,
      headers: { connection: 'close' },
    }));
    const results = await run(inputs, { dnsServers: [dns.address], ...files(), perHost: 1, concurrency: 1 });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(dns.questions.filter((q) => q.type === 'A')).toHaveLength(3);
  });
});

describe('the end of a run', () => {
  it('a query still unanswered does not keep the process alive (library use)', async () => {
    const dns = await start(startDnsServer({ table: { 'silent.test': { never: true } } }));
    const script = `
      import { fetchMany } from ${JSON.stringify(join(process.cwd(), 'dist/index.js'))};
      for await (const r of fetchMany(['http://silent.test/'], { dnsServers: [${JSON.stringify(dns.address)}], connectTimeout: 300 })) {
        process.stdout.write(r.error.code);
      }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // resolv.conf's defaults would keep c-ares asking for ~15 s; the run must end with its result.
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('close', (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(out).toBe('dns');
  });
});
