/**
 * The committed test PEMs (see test/fixtures/tls/README.md for how they were made).
 * Read once at import; tests never need openssl at run time.
 */
import { readFileSync } from 'node:fs';

const pem = (file: string): string => readFileSync(new URL(`../fixtures/tls/${file}`, import.meta.url), 'utf8');

/** The test root CA. Pass as `ca` to trust every CA-signed fixture. */
export const caCert = pem('ca.pem');
export const caKey = pem('ca-key.pem');

/** Signed by the CA for `localhost` and IP 127.0.0.1. */
export const serverCert = pem('server.pem');
export const serverKey = pem('server-key.pem');

/** Self-signed for `localhost` and 127.0.0.1; trusted by nothing unless passed as `ca`. */
export const selfSignedCert = pem('self-signed.pem');
export const selfSignedKey = pem('self-signed-key.pem');

/** Signed by the CA for localhost/127.0.0.1, expired on 2021-01-01. */
export const expiredCert = pem('expired.pem');
export const expiredKey = pem('expired-key.pem');

/** Signed by the CA for `wrong.example` only. */
export const wrongHostCert = pem('wrong-host.pem');
export const wrongHostKey = pem('wrong-host-key.pem');

/** Client certificate (clientAuth) signed by the CA, for mTLS. */
export const clientCert = pem('client.pem');
export const clientKey = pem('client-key.pem');

/** The server certificates a TLS fixture can present. */
export type TlsCertName = 'ca-signed' | 'self-signed' | 'expired' | 'wrong-host';

export const serverCerts: Readonly<Record<TlsCertName, { cert: string; key: string }>> = {
  'ca-signed': { cert: serverCert, key: serverKey },
  'self-signed': { cert: selfSignedCert, key: selfSignedKey },
  expired: { cert: expiredCert, key: expiredKey },
  'wrong-host': { cert: wrongHostCert, key: wrongHostKey },
};
