import type { LookupAddress } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { TLSSocket } from 'node:tls';
import type { ErrorCode, TimeoutPhase, TlsInfo } from '../../types.js';
import type { Connector, ReadInto, TlsParams } from './connector.js';
import type { DnsCache } from '../dns/cache.js';
import { dnsFailure } from '../dns/failure.js';
import type { Carrier, Exchange } from '../exchange.js';
import { ConnectRace } from './happy-eyeballs.js';
import { awaitTunnel, connectRequest, type ProxyEndpoint } from './proxy.js';
import type { Protocol } from '../session.js';
import { describeSocketError } from './socket-errors.js';
import { describeTls, peerFacts } from './tls-info.js';
import { type PeerFacts, type StoredSession, TlsSessions } from './tls-sessions.js';
import type { Transport } from './transport.js';

/**
 * The buffer plain sockets read into (see {@link ReadRelay}). One is enough for the whole
 * process: reads are delivered one at a time, and each is consumed before the next.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** What every dial of a run shares, decided once per run. */
export interface DialContext {
  readonly connector: Connector;
  readonly dns: DnsCache;
  readonly transport: Transport;
  /** Verify certificates and host names (false with `insecure`). */
  readonly verify: boolean;
  readonly tlsSessions: TlsSessions;
  /** ALPN offered on TLS, preferred first. */
  readonly alpn: readonly string[];
  /** What cleartext connections speak: `h1`, or `h2` with prior knowledge (RFC 9113 §3.3). */
  readonly cleartext: Protocol;
}

/** The origin a dial connects to. */
export interface Origin {
  readonly hostname: string;
  readonly port: number;
  readonly tls: boolean;
  /** `host:port`, IPv6 in brackets. */
  readonly label: string;
  /** The hostname's one address when it is an IP literal (no DNS, no race), else null. */
  readonly literal: readonly LookupAddress[] | null;
}

/** An origin for `hostname:port`; made once per pool, so that dials to an IP literal skip DNS. */
export function originOf(hostname: string, port: number, tls: boolean): Origin {
  const label = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  const family = isIP(hostname);
  return { hostname, port, tls, label, literal: family === 0 ? null : [{ address: hostname, family }] };
}

/**
 * Plain HTTP/1.1 sockets read straight into the run's one buffer (node's `onread`) instead of a
 * fresh Buffer and a 'data' event per read. The socket is made before its session exists, so
 * the reads go through this relay to whoever is set as `sink`.
 */
export class ReadRelay {
  sink: ((chunk: Buffer) => void) | null = null;
  readonly readInto: ReadInto = {
    buffer: readBuffer,
    callback: (bytes, buffer) => {
      this.sink?.(buffer.subarray(0, bytes));
      return true;
    },
  };
}

/** A TLS handshake about to start: its parameters, and the session it offers under which key. */
interface PreparedTls {
  readonly params: TlsParams;
  readonly key: string;
  readonly offered: StoredSession | undefined;
}

/** A socket ready for HTTP, and what was learned making it. */
export interface Dialled {
  /** The socket HTTP runs over: TLS, or plain TCP. */
  readonly socket: Socket;
  /** Every socket to close with the connection (a tunnel's TCP socket under its TLS). */
  readonly sockets: readonly Socket[];
  readonly protocol: Protocol;
  readonly tlsInfo: TlsInfo | null;
  readonly remoteAddress: string | null;
  /** Set for plain sockets that read through a {@link ReadRelay}; their reads go to its sink. */
  readonly relay: ReadRelay | null;
  /** The http proxy this connection talks to (absolute-form requests), or null. */
  readonly proxy: ProxyEndpoint | null;
}

/** What a dial tells its owner; exactly one of these, once. */
export interface DialHandler {
  ready(dial: Dial, ex: Exchange, dialled: Dialled): void;
  failed(dial: Dial, ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void;
  /** No socket could be made (EMFILE/ENFILE): not the target's fault; `ex` may run again later. */
  outOfDescriptors(dial: Dial, ex: Exchange, errno: string): void;
}

/**
 * Turns an origin into a ready socket, on behalf of one exchange whose timings it records: DNS
 * (or a pinned address), Happy Eyeballs over the addresses (RFC 8305), a CONNECT tunnel through
 * a proxy (RFC 9110 §9.3.6), TLS with ALPN and the origin's last session offered. The connector
 * opens the sockets. While dialling, the dial is the exchange's {@link Carrier}.
 */
export class Dial implements Carrier {
  remoteAddress: string | null = null;
  readonly tlsInfo = null;
  resolving = false;
  private stage: 'resolving' | 'connecting' | 'proxy' | 'tls' | 'done' = 'resolving';
  private race: ConnectRace | null = null;
  private tcpSocket: Socket | null = null;
  private tlsSocket: TLSSocket | null = null;
  private readonly proxy: ProxyEndpoint | null;
  /** Where the socket's reads go, when it reads into the shared buffer; null: 'data' events. */
  private relay: ReadRelay | null;
  /** TLS comes with the TCP socket (the connector's `tlsDirect`): these are its parameters. */
  private direct: PreparedTls | null = null;
  private readonly onError = (err: NodeJS.ErrnoException): void => this.socketError(err);

  constructor(
    private readonly origin: Origin,
    private readonly ctx: DialContext,
    private readonly ex: Exchange,
    private readonly handler: DialHandler,
  ) {
    this.proxy = ctx.transport.proxyFor(origin.tls, origin.hostname, origin.port);
    const undecoded = !ctx.transport.compressed;
    const plainH1 = !origin.tls && ctx.cleartext === 'h1';
    // TLS reads into it too when HTTP/1.1 is the only protocol offered (an HTTP/2 session reads
    // its socket itself) and no proxy tunnel is in between (see connectTcp).
    const tlsH1 =
      origin.tls && this.proxy === null && !ctx.alpn.includes('h2') && ctx.connector.tlsDirect !== undefined;
    // A decoder holds on to the chunks it is given: only undecoded HTTP/1.1 reads into the shared
    // buffer. Only the winning socket of a Happy Eyeballs race ever reads: the others are closed
    // before any request is sent.
    this.relay = undecoded && (plainH1 || tlsH1) ? new ReadRelay() : null;
  }

  get label(): string {
    return this.origin.label;
  }

  /** Still reaching the proxy (TCP, then CONNECT): failures here are the proxy's (error `proxy`). */
  private get proxyStage(): boolean {
    return this.proxy !== null && (this.stage === 'proxy' || this.stage === 'connecting' || this.stage === 'resolving');
  }

  start(): void {
    const ex = this.ex;
    ex.connection = this;
    ex.phase = 'connect';
    const proxy = this.proxy;
    const host = proxy === null ? this.origin.hostname : proxy.hostname;
    const port = proxy === null ? this.origin.port : proxy.port;
    // curl's --resolve: a pinned name skips DNS (so reports no DNS phase) and keeps its name for
    // Host and SNI.
    const pinned = this.ctx.transport.pinned(host, port);
    if (pinned !== undefined) {
      this.connectTcp(pinned, port);
      return;
    }
    // An IP literal needs no lookup (and so reports no DNS phase, as a cached name does).
    if (proxy === null && this.origin.literal !== null) {
      this.connectTcp(this.origin.literal, port);
      return;
    }
    let dnsStart = performance.now();
    this.resolving = true;
    this.ctx.dns.resolve(
      host,
      (err, addresses, cached) => {
        if (this.stage !== 'resolving') return;
        this.resolving = false;
        if (!cached) ex.dns = performance.now() - dnsStart;
        if (err !== null || addresses === null) {
          const what = proxy === null ? host : `proxy ${proxy.label}`;
          this.end(proxy === null ? 'dns' : 'proxy', `cannot resolve ${what}: ${dnsFailure(err?.code)}`);
          return;
        }
        this.connectTcp(addresses, port);
      },
      (queued) => {
        // Waiting for a lookup slot (dnsConcurrency) is queue time: the request's clock, and so
        // its connect deadline, stops until the lookup starts: a long lookup queue is no connect timeout.
        if (this.stage !== 'resolving') return;
        const now = performance.now();
        if (queued) ex.pauseClock(now);
        else {
          ex.resumeClock(now);
          dnsStart = now;
        }
      },
    );
  }

  /** Races connections to the addresses (RFC 8305); `connect` covers the whole race. */
  private connectTcp(addresses: readonly LookupAddress[], port: number): void {
    this.stage = 'connecting';
    const tcpStart = performance.now();
    const connector = this.ctx.connector;
    const relay = this.relay;
    let open =
      relay === null
        ? (addr: LookupAddress) => connector.tcp(addr.address, addr.family, port)
        : (addr: LookupAddress) => connector.tcp(addr.address, addr.family, port, relay.readInto);
    if (relay !== null && this.origin.tls) {
      // Node reads a TLS socket into our buffer only when tls.connect opens the TCP socket too, and
      // then checks the certificate against the SNI name, or else the address it connects to.
      const tls = this.prepareTls();
      if (tls.params.servername !== undefined || addresses.every((a) => a.address === tls.params.checkName)) {
        this.direct = tls;
        const direct = connector.tlsDirect!;
        open = (addr) => direct(addr.address, addr.family, port, tls.params, relay.readInto);
      } else {
        // TLS goes on a plain TCP socket and reads it itself: that socket reads through events.
        this.relay = null;
        open = (addr) => connector.tcp(addr.address, addr.family, port);
      }
    }
    const race = new ConnectRace(addresses, {
      open,
      attempting: (addr) => {
        this.remoteAddress = addr.address;
      },
      won: (socket, addr) => this.tcpWon(socket, addr, tcpStart),
      lost: (err) => this.tcpLost(err),
    });
    this.race = race;
    race.start();
  }

  private tcpWon(socket: Socket, addr: LookupAddress, tcpStart: number): void {
    this.race = null;
    this.tcpSocket = socket;
    this.remoteAddress = addr.address;
    socket.on('error', this.onError);
    if (this.stage !== 'connecting') {
      socket.destroy();
      return;
    }
    if (this.proxy !== null && this.origin.tls) {
      this.openTunnel(socket, this.proxy, tcpStart);
      return;
    }
    this.ex.connect = performance.now() - tcpStart;
    // A direct TLS socket's handshake started as TCP connected.
    if (this.direct !== null) this.watchTls(socket as TLSSocket, this.direct);
    else if (this.origin.tls) this.startTls(socket);
    else this.done(socket, this.ctx.cleartext, null);
  }

  private tcpLost(err: NodeJS.ErrnoException): void {
    this.race = null;
    if (this.stage !== 'connecting') return;
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.close();
      this.handler.outOfDescriptors(this, this.ex, err.code);
      return;
    }
    this.socketError(err);
  }

  /** CONNECT through the proxy; TLS to the origin starts when the proxy answers 2xx. */
  private openTunnel(socket: Socket, proxy: ProxyEndpoint, tcpStart: number): void {
    this.stage = 'proxy';
    const { hostname, port, label } = this.origin;
    awaitTunnel(socket, proxy, label, (outcome) => {
      if (this.stage !== 'proxy') return;
      if (!outcome.open) {
        this.end('proxy', outcome.failure);
        return;
      }
      // `connect` covers reaching the origin: TCP to the proxy and its CONNECT answer.
      this.ex.connect = performance.now() - tcpStart;
      this.startTls(socket);
    });
    socket.write(connectRequest(proxy, hostname, port));
  }

  /** The handshake's parameters: names, trust, ALPN, and the origin's last session to offer. */
  private prepareTls(): PreparedTls {
    const { transport, tlsSessions, alpn } = this.ctx;
    const name = transport.servername ?? this.origin.hostname;
    const key = TlsSessions.key(this.origin.hostname, this.origin.port, transport.servername, alpn);
    const offered = tlsSessions.get(key);
    const params: TlsParams = {
      ...(isIP(name) === 0 ? { servername: name } : {}),
      checkName: name,
      verify: this.ctx.verify,
      secureContext: transport.secureContext(),
      alpn,
      ...(offered === undefined ? {} : { session: offered.session }),
    };
    return { params, key, offered };
  }

  /** TLS over an open socket (TCP, or a proxy's tunnel). */
  private startTls(socket: Socket): void {
    const tls = this.prepareTls();
    this.watchTls(this.ctx.connector.tls(socket, tls.params), tls);
  }

  /** Follows a handshake under way on `tlsSocket` to the ready connection. */
  private watchTls(tlsSocket: TLSSocket, { key, offered }: PreparedTls): void {
    this.stage = 'tls';
    const ex = this.ex;
    ex.phase = 'tls';
    const tlsStart = performance.now();
    const tlsSessions = this.ctx.tlsSessions;
    this.tlsSocket = tlsSocket;
    // A direct TLS socket already has it, as the race's winning TCP socket.
    if (tlsSocket !== this.tcpSocket) tlsSocket.on('error', this.onError);
    // Who the certificate names, read once per connection: node decodes the whole certificate on
    // each getPeerCertificate(), and both the result and every ticket below want it. A resumed
    // handshake sends no certificate: the one the offered session was made with stands.
    let peer: PeerFacts | null | undefined;
    const peerOf = (): PeerFacts | null => {
      if (peer === undefined)
        peer = peerFacts(tlsSocket) ?? (tlsSocket.isSessionReused() ? (offered?.peer ?? null) : null);
      return peer;
    };
    // TLS 1.3 tickets arrive after the handshake, on a connection already carrying requests: the
    // listener stays for the socket's life, and the newest ticket is the one offered next. It
    // keeps the certificate it was made with, which a resumed handshake does not send again.
    tlsSocket.on('session', (session: Buffer) => tlsSessions.set(key, { session, peer: peerOf() }));
    if (offered !== undefined) {
      // A session that the handshake it was offered in failed is not offered again.
      tlsSocket.once('error', () => {
        if (this.stage === 'tls') tlsSessions.forget(key, offered);
      });
    }
    tlsSocket.once('secureConnect', () => {
      if (this.stage !== 'tls') return;
      ex.tls = performance.now() - tlsStart;
      const protocol: Protocol = tlsSocket.alpnProtocol === 'h2' ? 'h2' : 'h1';
      this.done(tlsSocket, protocol, describeTls(tlsSocket, peerOf()));
    });
  }

  private done(socket: Socket, protocol: Protocol, tlsInfo: TlsInfo | null): void {
    this.stage = 'done';
    const sockets: Socket[] = [];
    for (const s of [this.tlsSocket, this.tcpSocket]) {
      // A direct TLS socket is both.
      if (s === null || sockets.includes(s)) continue;
      s.off('error', this.onError);
      sockets.push(s);
    }
    this.handler.ready(this, this.ex, {
      socket,
      sockets,
      protocol,
      tlsInfo,
      remoteAddress: this.remoteAddress,
      relay: this.relay,
      // Through a proxy only http origins use absolute-form; a tunnel carries origin-form requests.
      proxy: this.origin.tls ? null : this.proxy,
    });
  }

  private socketError(err: NodeJS.ErrnoException): void {
    if (this.stage === 'done') return;
    if (this.proxyStage && this.proxy !== null) {
      this.end('proxy', proxyFailure(this.proxy, err, this.tcpSocket !== null));
      return;
    }
    const phase = this.stage === 'tls' ? 'tls' : 'connect';
    const { code, message, phase: timeoutPhase } = describeSocketError(err, phase, this.origin.label);
    this.end(code, message, timeoutPhase);
  }

  /** Carrier: a deadline or a cancel ends the dial. */
  fail(_ex: Exchange, code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    if (this.stage === 'done') return;
    if (code === 'timeout' && this.proxyStage && this.proxy !== null) {
      // The deadline ran out while we were still reaching the proxy: the proxy's fault.
      const what = this.tcpSocket !== null ? 'did not answer CONNECT in time' : 'did not accept the connection in time';
      this.end('proxy', `proxy ${this.proxy.label} ${what}: ${message}`);
      return;
    }
    this.end(code, message, phase);
  }

  /** Carrier: the connect timeout ran out while the name was still being resolved. */
  resolveTimedOut(_ex: Exchange, budget: number, which: string): void {
    const what = this.proxy === null ? this.origin.hostname : `proxy ${this.proxy.label}`;
    const message = `cannot resolve ${what}: no answer from the DNS server within ${budget} ms (${which})`;
    this.end(this.proxy === null ? 'dns' : 'proxy', message);
  }

  private end(code: ErrorCode, message: string, phase?: TimeoutPhase): void {
    this.close();
    this.handler.failed(this, this.ex, code, message, phase);
  }

  /** Stops the dial and closes whatever it opened. */
  close(): void {
    if (this.stage === 'done') return;
    this.stage = 'done';
    this.resolving = false;
    this.race?.cancel();
    this.race = null;
    this.tlsSocket?.destroy();
    this.tcpSocket?.destroy();
  }
}

/** A socket error while reaching the proxy, as one line naming the proxy. */
function proxyFailure(proxy: ProxyEndpoint, err: NodeJS.ErrnoException, connected: boolean): string {
  const errno = err.code ?? 'error';
  if (errno === 'ECONNREFUSED') return `proxy ${proxy.label} refused the connection (${errno})`;
  if (errno === 'ECONNRESET' || errno === 'EPIPE') {
    return `proxy ${proxy.label} reset the connection ${connected ? 'during CONNECT' : 'while connecting'} (${errno})`;
  }
  return `cannot reach proxy ${proxy.label}: ${errno}`;
}
