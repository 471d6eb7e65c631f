import type { LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { RunConfig } from '../../config/run-config.js';
import { UsageError } from '../../errors.js';
import type { Target } from '../../types.js';
import { parseProxies, type ProxyEndpoint, type ProxyRoutes } from './proxy.js';
import { serializeRequest, type RequestForm } from '../h1/request.js';

/**
 * The run options a {@link Transport} reads, as the run config validated them (`resolve` keys are
 * `host:port` in lower case with IP addresses; `servername` is a non-empty string; proxy URLs are
 * http:// URLs). Each may be absent: tests build a transport from `{}`.
 */
export type TransportOptions = Partial<
  Pick<RunConfig, 'compressed' | 'servername' | 'resolve' | 'proxy' | 'ca' | 'cert' | 'key'>
>;

/**
 * How this run reaches servers, decided once from the run's options: the TLS context, names
 * pinned to addresses, proxies, and content decoding. Connections ask it; every question has a
 * constant-time answer when its feature is off (a null check, no allocation), so a run that uses
 * none of them pays nothing per request.
 */
export class Transport {
  /** Ask for and decode gzip, deflate and br (`compressed`). */
  readonly compressed: boolean;
  /** TLS server name (SNI and certificate check) used instead of the URL's host. */
  readonly servername: string | undefined;
  private readonly pins: ReadonlyMap<string, readonly LookupAddress[]> | null;
  private readonly proxies: ProxyRoutes | null;
  private context: SecureContext | null = null;
  private readonly plainForm: RequestForm | undefined;

  constructor(
    private readonly options: TransportOptions,
    readonly userAgent: string,
  ) {
    this.compressed = options.compressed === true;
    this.servername = options.servername;
    this.pins = pinsFrom(options.resolve);
    this.proxies = options.proxy === undefined ? null : parseProxies(options.proxy, this.compressed);
    this.plainForm = this.compressed ? { absolute: false, acceptEncoding: true } : undefined;
    // Bad PEM (or a key that does not match its certificate) is the user's input: fail the run
    // before any request rather than every HTTPS target one by one.
    if (options.ca !== undefined || options.cert !== undefined || options.key !== undefined) this.secureContext();
  }

  /**
   * One TLS context for the whole run, handed to every handshake. Without it `tls.connect` builds
   * a context (and parses its CA store) per connection; with `ca` it would re-read the bundle for
   * each one too.
   */
  secureContext(): SecureContext {
    if (this.context !== null) return this.context;
    const { ca, cert, key } = this.options;
    const build = (extra: readonly string[]): SecureContext =>
      createSecureContext({
        // `ca` replaces OpenSSL's default store, so the system roots are listed again: the user's
        // certificates are added to the trusted roots, not substituted for them. Each one is an
        // anchor, as curl treats them (OpenSSL's X509_V_FLAG_PARTIAL_CHAIN, Node >= 20.18): an
        // intermediate CA the user gave ends the chain there, without its root.
        ...(ca === undefined || ca.length === 0
          ? {}
          : { ca: [...rootCertificates, ...extra, ...ca], allowPartialTrustChain: true }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
      });
    try {
      const extra = ca === undefined || ca.length === 0 ? [] : extraCaCerts();
      try {
        this.context = build(extra);
      } catch (err) {
        // A NODE_EXTRA_CA_CERTS file node could not use either (it warned at start and went on
        // without it): the user's own certificates decide, not that file.
        if (extra.length === 0) throw err;
        this.context = build([]);
      }
    } catch (err) {
      const what =
        ca !== undefined && cert === undefined ? 'the CA certificates (ca)' : 'the TLS certificates (ca, cert, key)';
      throw new UsageError(`cannot use ${what}: ${(err as Error).message}`);
    }
    return this.context;
  }

  /** The addresses pinned for `hostname:port` (curl's --resolve), or undefined to ask DNS. */
  pinned(hostname: string, port: number): readonly LookupAddress[] | undefined {
    if (this.pins === null) return undefined;
    return this.pins.get(`${hostname.toLowerCase()}:${port}`);
  }

  /** The proxy a connection to this origin goes through, or null to connect directly. */
  proxyFor(tls: boolean, hostname: string, port: number): ProxyEndpoint | null {
    if (this.proxies === null) return null;
    return this.proxies.route(tls, hostname, port);
  }

  /**
   * The request's bytes; `proxy` is the http proxy the connection talks to (absolute-form), if
   * any; `host` the Host value when the connection has it already.
   */
  requestBytes(target: Target, proxy: ProxyEndpoint | null, host?: string): string | Buffer {
    return serializeRequest(target, this.userAgent, proxy === null ? this.plainForm : proxy.form, host);
  }
}

function pinsFrom(resolve: TransportOptions['resolve']): ReadonlyMap<string, readonly LookupAddress[]> | null {
  if (resolve === undefined) return null;
  const map = new Map<string, LookupAddress[]>();
  // The run config's reader (resolveMap) already split, trimmed and checked the addresses (IP
  // literals only, brackets removed) and lower-cased the `host:port` keys.
  for (const [hostPort, addresses] of Object.entries(resolve)) {
    map.set(
      hostPort,
      addresses.map((address) => ({ address, family: isIP(address) })),
    );
  }
  return map.size === 0 ? null : map;
}

/**
 * The certificates of `NODE_EXTRA_CA_CERTS`: node adds them to its default store at start, and a
 * `ca` list replaces that store, so they are listed again with the roots (a corporate proxy's CA
 * must stay trusted when `--cacert` adds another). Node already warned at start if the file could
 * not be read; it then trusts nothing from it, and neither do we.
 */
function extraCaCerts(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (file === undefined || file === '') return [];
  try {
    return [readFileSync(file, 'latin1')];
  } catch {
    return [];
  }
}
