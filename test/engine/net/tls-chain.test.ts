/**
 * `ca` holding an intermediate CA (issue 12, item 14): curl trusts what the user gave as an
 * anchor, so a server whose certificate an intermediate signed passes with only that
 * intermediate in `--cacert` — whether the server sends the intermediate along or not.
 * Fixtures: test/fixtures/tls/chain-*.pem (gen-chain.sh): root → intermediate → server.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caCert } from '../../helpers/certs.js';
import { rawServer, response, send, type TestServer } from '../../helpers/servers.js';
import { one } from '../harness.js';
import { closeAfterEach } from '../../helpers/track.js';

const start = closeAfterEach();
const pem = (file: string): string => readFileSync(new URL(`../../fixtures/tls/${file}`, import.meta.url), 'utf8');
const root = pem('chain-root.pem');
const intermediate = pem('chain-intermediate.pem');
const leaf = pem('chain-server.pem');
const leafKey = pem('chain-server-key.pem');

/** An HTTPS server presenting the chain leaf, with the intermediate sent along or not; every request gets 200. */
function chainServer(sendIntermediate: boolean): Promise<TestServer> {
  return rawServer(
    (ctx) => {
      ctx.socket.on('data', () => send(ctx.socket, response(200, 'ok', [['Connection', 'close']])));
    },
    { tls: { cert: sendIntermediate ? leaf + intermediate : leaf, key: leafKey } },
  );
}

describe('ca: an intermediate CA is trusted as an anchor', () => {
  for (const sendIntermediate of [true, false]) {
    const sent = sendIntermediate ? 'sends the intermediate along' : 'sends its leaf only';
    it(`passes with only the intermediate as ca when the server ${sent}`, async () => {
      const server = await start(chainServer(sendIntermediate));
      const r = await one(`https://localhost:${server.port}/`, { ca: [intermediate], timeout: 5000 });
      expect(r).toMatchObject({ ok: true, status: 200, error: null });
      expect(r.tls?.issuer).toBe('CN=fetch-many chain intermediate');
    });
  }

  it('with the root as ca: passes when the server sends the intermediate along, not when it sends its leaf only', async () => {
    const full = await start(chainServer(true));
    expect(await one(`https://localhost:${full.port}/`, { ca: [root], timeout: 5000 })).toMatchObject({ ok: true });
    const bare = await start(chainServer(false));
    const r = await one(`https://localhost:${bare.port}/`, { ca: [root], timeout: 5000 });
    expect(r.error?.code).toBe('tls');
  });

  it('still fails without the chain’s CAs, or with an unrelated CA', async () => {
    const server = await start(chainServer(true));
    for (const ca of [undefined, [caCert]]) {
      const r = await one(`https://localhost:${server.port}/`, { ...(ca === undefined ? {} : { ca }), timeout: 5000 });
      expect(r.error?.code).toBe('tls');
    }
  });

  it('a partial anchor does not lift the other checks: the name must still match', async () => {
    const server = await start(chainServer(true));
    const r = await one(`https://localhost:${server.port}/`, {
      ca: [intermediate],
      servername: 'wrong.example',
      timeout: 5000,
    });
    expect(r.error?.code).toBe('tls');
  });
});
