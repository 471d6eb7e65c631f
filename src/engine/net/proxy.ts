import { isIP, type Socket } from 'node:net';
import type { ProxySettings } from '../../types.js';
import type { RequestForm } from '../h1/request.js';

/**
 * HTTP proxies (RFC 9110 §3.7): which targets go through one, how requests are written for it,
 * and the CONNECT handshake that opens a tunnel for https targets. Sockets are opened by the
 * connector as always; this file only decides and speaks the proxy's part of the protocol.
 */

/** A proxy a connection may go through. */
export interface ProxyEndpoint {
  /** `host:port`, for messages (IPv6 in brackets). */
  readonly label: string;
  /** Host name or IP literal, without brackets. */
  readonly hostname: string;
  readonly port: number;
  /** `Basic …` from the proxy URL's user info, sent as Proxy-Authorization; undefined without one. */
  readonly authorization: string | undefined;
  /** How requests for http targets are written on a connection to this proxy (absolute-form). */
  readonly form: RequestForm;
}

/** Longest CONNECT response head we read: a proxy's answer is a status line and a few fields. */
export const MAX_CONNECT_HEAD = 16 * 1024;

/** Interim (1xx) heads accepted before the answer to CONNECT, as the response parser allows. */
const MAX_INTERIM_HEADS = 100;

/** One NO_PROXY entry. */
interface Bypass {
  host: string;
  /** Only this port, or any port when null. */
  port: number | null;
  /** Also matches subdomains of `host` (names only; IP literals match exactly). */
  subdomains: boolean;
}

/** Routes origins to proxies, honouring NO_PROXY. Built once per run. */
export class ProxyRoutes {
  private readonly bypassAll: boolean;
  private readonly bypass: readonly Bypass[];

  constructor(
    private readonly http: ProxyEndpoint | null,
    private readonly https: ProxyEndpoint | null,
    noProxy: readonly string[],
  ) {
    const rules: Bypass[] = [];
    let all = false;
    for (const entry of noProxy) {
      const rule = parseBypass(entry);
      if (rule === 'all') all = true;
      else if (rule !== null) rules.push(rule);
    }
    this.bypassAll = all;
    this.bypass = rules;
  }

  /** The proxy for an origin: `https` for TLS targets (a tunnel), `http` otherwise; null to go direct. */
  route(tls: boolean, hostname: string, port: number): ProxyEndpoint | null {
    const proxy = tls ? this.https : this.http;
    if (proxy === null || this.bypassAll) return null;
    return this.bypasses(hostname.toLowerCase(), port) ? null : proxy;
  }

  private bypasses(host: string, port: number): boolean {
    const literal = isIP(host) !== 0;
    for (const rule of this.bypass) {
      if (rule.port !== null && rule.port !== port) continue;
      if (host === rule.host) return true;
      // Suffix matching is for names: `0.0.1` must not match 127.0.0.1.
      if (rule.subdomains && !literal && host.endsWith(`.${rule.host}`)) return true;
    }
    return false;
  }
}

/**
 * A NO_PROXY entry, as curl reads them: `*` (everything), a host name (itself and its
 * subdomains; a leading `.` or `*.` is the same), an IP literal (exactly; IPv6 with or without
 * brackets), each optionally with `:port`.
 */
function parseBypass(raw: string): Bypass | 'all' | null {
  let entry = raw.trim().toLowerCase();
  if (entry === '') return null;
  if (entry === '*') return 'all';
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed !== null) {
    return { host: bracketed[1]!, port: bracketed[2] === undefined ? null : Number(bracketed[2]), subdomains: false };
  }
  if (isIP(entry) === 6) return { host: entry, port: null, subdomains: false };
  const withPort = /^(.*):(\d{1,5})$/.exec(entry);
  if (withPort !== null) {
    entry = withPort[1]!;
    port = Number(withPort[2]);
  }
  if (isIP(entry) !== 0) return { host: entry, port, subdomains: false };
  entry = entry.replace(/^\*?\./, '');
  if (entry === '') return null;
  return { host: entry, port, subdomains: true };
}

/**
 * Proxy settings as the run config validated them (`proxyUrl` in src/config/values.ts: each URL
 * parsed, http:// only, handed over as its normalized href; NO_PROXY entries trimmed and in
 * lower case) → routes.
 */
export function parseProxies(settings: ProxySettings, acceptEncoding: boolean): ProxyRoutes | null {
  const http = settings.http === undefined ? null : endpoint(settings.http, acceptEncoding);
  const https = settings.https === undefined ? null : endpoint(settings.https, acceptEncoding);
  if (http === null && https === null) return null;
  return new ProxyRoutes(http, https, settings.noProxy ?? []);
}

function endpoint(value: string, acceptEncoding: boolean): ProxyEndpoint {
  // An http:// URL's href: it parses again, and (http being a special scheme) has a host.
  const url = new URL(value);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // A URL without a port means http's 80, as WHATWG URL reads it (curl would use 1080): the CLI
  // hands proxies over as normalized URLs, where `:80` and no port are the same string.
  const port = url.port === '' ? 80 : Number(url.port);
  const authorization =
    url.username === '' && url.password === ''
      ? undefined
      : `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  const label = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  const form: RequestForm = {
    absolute: true,
    acceptEncoding,
    ...(authorization === undefined ? {} : { proxyAuthorization: authorization }),
  };
  return { label, hostname, port, authorization, form };
}

/** `CONNECT host:port HTTP/1.1` with its Host field (RFC 9110 §9.3.6: the target is authority-form). */
export function connectRequest(proxy: ProxyEndpoint, hostname: string, port: number): Buffer {
  const authority = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  let head = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.authorization !== undefined) head += `Proxy-Authorization: ${proxy.authorization}\r\n`;
  return Buffer.from(`${head}\r\n`, 'latin1');
}

/** How a CONNECT handshake ended: the tunnel is open, or a sentence saying why not. */
export type TunnelOutcome = { open: true } | { open: false; failure: string };

/**
 * Reads the proxy's answer to CONNECT from `socket`, at most {@link MAX_CONNECT_HEAD} bytes per
 * head, and calls `done` once. A 2xx opens the tunnel (RFC 9110 §9.3.6; its Content-Length or
 * Transfer-Encoding are ignored as the RFC says). Interim 1xx heads before it (`100 Continue`
 * from some proxies) are skipped: a client must parse them even unasked (RFC 9110 §15.2). A 101
 * is not interim: it switches protocols, which a server may do only to one the request's Upgrade
 * offered (§7.8, §15.2.2) — CONNECT offers none, so it fails like any other non-2xx answer, as
 * does something that is not HTTP, or a close before the answer. Socket errors are left to the
 * caller's own 'error' listener.
 */
export function awaitTunnel(
  socket: Socket,
  proxy: ProxyEndpoint,
  authority: string,
  done: (outcome: TunnelOutcome) => void,
): void {
  let buffered: Buffer | null = null;
  let finished = false;
  let interim = 0;
  const finish = (outcome: TunnelOutcome): void => {
    if (finished) return;
    finished = true;
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('close', onEnd);
    done(outcome);
  };
  const fail = (why: string): void =>
    finish({ open: false, failure: `proxy ${proxy.label} ${why} (CONNECT ${authority})` });
  const onData = (chunk: Buffer): void => {
    let data: Buffer = buffered === null ? chunk : Buffer.concat([buffered, chunk]);
    buffered = null;
    for (;;) {
      const end = headEnd(data);
      if (end === -1) {
        if (data.length > MAX_CONNECT_HEAD) fail(`sent a response head over ${MAX_CONNECT_HEAD} bytes`);
        else if (data.length > 0) buffered = data;
        return;
      }
      const lineEnd = data.indexOf(0x0a);
      const statusLine = data.toString('latin1', 0, lineEnd).replace(/\r$/, '');
      const m = /^HTTP\/1\.\d (\d{3})(?: (.*))?$/.exec(statusLine);
      if (m === null) {
        fail(`answered with something that is not HTTP: ${JSON.stringify(statusLine.slice(0, 60))}`);
        return;
      }
      const status = Number(m[1]);
      const reason = (m[2] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
      if (status >= 100 && status < 200 && status !== 101) {
        if (++interim > MAX_INTERIM_HEADS) {
          fail(`sent over ${MAX_INTERIM_HEADS} interim (1xx) responses`);
          return;
        }
        data = data.subarray(end);
        continue;
      }
      if (status === 101) {
        fail('switched protocols (101) without being asked to (RFC 9110 §7.8)');
        return;
      }
      if (status < 200 || status > 299) {
        fail(`refused the tunnel: ${status}${reason === '' ? '' : ` ${reason}`}`);
        return;
      }
      // The server speaks second in TLS, so nothing may follow a 2xx before our ClientHello: bytes
      // here came from the proxy, and a tunnel that starts with stray bytes cannot carry TLS.
      if (end < data.length) {
        fail(`sent ${data.length - end} unexpected bytes after its ${status} response`);
        return;
      }
      finish({ open: true });
      return;
    }
  };
  const onEnd = (): void => fail('closed the connection before answering');
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('close', onEnd);
}

/** Index just past the blank line ending a head (CRLF CRLF, or bare LF LF: RFC 9112 §2.2), or -1. */
function headEnd(data: Buffer): number {
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) {
    if (data[i + 1] === 0x0a) return i + 2;
    if (data[i + 1] === 0x0d && data[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}
