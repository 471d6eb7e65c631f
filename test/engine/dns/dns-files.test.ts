/**
 * The system resolver's files, read as getaddrinfo reads them: the hosts file (with RFC 6761's
 * localhost) and resolv.conf (servers, search list, ndots, timeout, attempts); and the order in
 * which a name and its search suffixes are asked.
 */
import { describe, expect, it } from 'vitest';
import { HostsFile } from '../../../src/engine/dns/hosts-file.js';
import { candidateNames, parseResolvConf, RESOLVER_DEFAULTS } from '../../../src/engine/dns/resolv-conf.js';
import { dnsServerAddress } from '../../../src/config/dns-servers.js';

describe('HostsFile', () => {
  const hosts = HostsFile.parse(
    [
      '# a comment line',
      '127.0.0.1\tlocalhost',
      '::1 localhost ip6-localhost',
      '192.0.2.10  web.example.com web   # trailing comment',
      '198.51.100.7 web.example.com',
      'not-an-ip broken.example.com',
      '203.0.113.5',
      '',
    ].join('\n'),
  );

  it('maps names and aliases to every address listed, in file order, case-insensitively', () => {
    expect(hosts.lookup('WEB.example.com')).toEqual([
      { address: '192.0.2.10', family: 4 },
      { address: '198.51.100.7', family: 4 },
    ]);
    expect(hosts.lookup('web')).toEqual([{ address: '192.0.2.10', family: 4 }]);
    expect(hosts.lookup('web.example.com.')).toHaveLength(2);
  });

  it('skips lines without a valid address or a name', () => {
    expect(hosts.lookup('broken.example.com')).toBeUndefined();
  });

  it('localhost: the file’s entries; without one, loopback (RFC 6761 §6.3), names under .localhost too', () => {
    expect(hosts.lookup('localhost')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    const empty = HostsFile.parse('');
    expect(empty.lookup('localhost')?.map((a) => a.address)).toEqual(['::1', '127.0.0.1']);
    expect(empty.lookup('app.localhost')?.map((a) => a.address)).toEqual(['::1', '127.0.0.1']);
    expect(empty.lookup('localhost.example.com')).toBeUndefined();
  });

  it('a missing file is an empty one', () => {
    expect(HostsFile.load('/nonexistent/fetch-many/hosts').lookup('web')).toBeUndefined();
  });
});

describe('parseResolvConf', () => {
  it('reads servers, search, ndots, timeout and attempts', () => {
    const conf = parseResolvConf(
      [
        '# generated',
        'nameserver 192.0.2.53',
        'nameserver fe80::1%eth0',
        'nameserver not-an-ip',
        'domain ignored.example',
        'search corp.example.com example.com.',
        'options ndots:3 timeout:2 attempts:4 rotate',
      ].join('\n'),
    );
    expect(conf).toEqual({
      servers: ['192.0.2.53', 'fe80::1'],
      search: ['corp.example.com', 'example.com'],
      ndots: 3,
      timeoutMs: 2000,
      attempts: 4,
    });
  });

  it('has glibc’s defaults: the local server, ndots 1, 5 s, 2 attempts; at most 3 servers', () => {
    expect(parseResolvConf('')).toEqual({
      servers: ['127.0.0.1'],
      search: [],
      ndots: RESOLVER_DEFAULTS.ndots,
      timeoutMs: 5000,
      attempts: 2,
    });
    const many = parseResolvConf(['1', '2', '3', '4'].map((n) => `nameserver 192.0.2.${n}`).join('\n'));
    expect(many.servers).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3']);
  });

  it('the last of domain and search wins; caps and ignores bad options', () => {
    const conf = parseResolvConf('search a.example\ndomain b.example\noptions ndots:99 timeout:0 attempts:x\n');
    expect(conf.search).toEqual(['b.example']);
    expect(conf.ndots).toBe(15);
    expect(conf.timeoutMs).toBe(5000);
    expect(conf.attempts).toBe(2);
  });
});

describe('candidateNames', () => {
  const config = { search: ['corp.example', 'example.com'], ndots: 2 };
  it('fewer dots than ndots: the suffixes first, the name as is last', () => {
    expect(candidateNames('api.v1', config)).toEqual(['api.v1.corp.example', 'api.v1.example.com', 'api.v1']);
  });
  it('at least ndots dots: the name as is first', () => {
    expect(candidateNames('a.b.c', config)).toEqual(['a.b.c', 'a.b.c.corp.example', 'a.b.c.example.com']);
  });
  it('a trailing dot: absolute, asked as is only', () => {
    expect(candidateNames('api.', config)).toEqual(['api']);
  });
});

describe('dnsServerAddress (--dns-server)', () => {
  it('keeps the forms c-ares takes, port 53 implicit', () => {
    expect(['127.0.0.1', '127.0.0.1:5353', '::1', '[::1]:5353', '[::1]', '::1:53'].map(dnsServerAddress)).toEqual([
      '127.0.0.1',
      '127.0.0.1:5353',
      '::1',
      '[::1]:5353',
      '::1',
      // Without brackets, a trailing :53 is part of the IPv6 address.
      '::1:53',
    ]);
  });
  it('rejects names, bad ports and junk, showing the value', () => {
    for (const bad of [
      'dns.example.com',
      '127.0.0.1:',
      '127.0.0.1:70000',
      '[::1]:0',
      '[nope]:53',
      '',
      '127.0.0.1:53:1',
    ]) {
      expect(() => dnsServerAddress(bad)).toThrow(`got "${bad}"`);
    }
    expect(() => dnsServerAddress(53)).toThrow('must be an IP address');
  });
});
