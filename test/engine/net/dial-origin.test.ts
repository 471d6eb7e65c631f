/**
 * The origin a pool dials, made once per pool: IP literals carry their one address, so that
 * their dials skip the DNS cache and the address race's interleaving.
 */
import { describe, expect, it } from 'vitest';
import { originOf } from '../../../src/engine/net/dial.js';
import { one } from '../harness.js';
import { startHttpServer } from '../../helpers/servers.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();

describe('originOf', () => {
  it('carries the address of an IPv4 or IPv6 literal, and none for a name', () => {
    expect(originOf('127.0.0.1', 80, false)).toEqual({
      hostname: '127.0.0.1',
      port: 80,
      tls: false,
      label: '127.0.0.1:80',
      literal: [{ address: '127.0.0.1', family: 4 }],
    });
    expect(originOf('::1', 443, true)).toMatchObject({ label: '[::1]:443', literal: [{ address: '::1', family: 6 }] });
    expect(originOf('localhost', 8080, false)).toMatchObject({ label: 'localhost:8080', literal: null });
  });

  it('a literal target connects to that address and reports no DNS phase', async () => {
    const server = await start(startHttpServer());
    const r = await one(`http://127.0.0.1:${server.port}/ok`, { timeout: 5000 });
    expect(r).toMatchObject({ ok: true, remoteAddress: '127.0.0.1' });
    expect(r.timings.dns).toBeNull();
  });
});
