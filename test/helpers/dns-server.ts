/**
 * A tiny UDP DNS server for tests and benchmarks (RFC 1035 §4): it parses the question, answers
 * A / AAAA from a table, and can be told to answer NXDOMAIN, SERVFAIL, late, or never. It listens
 * on loopback only (port 0 unless told otherwise) and records every question it was asked.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/** How the server answers one name. */
export interface DnsAnswer {
  /** IPv4 addresses for A questions (none: NODATA, i.e. NOERROR with no answer). */
  a?: readonly string[];
  /** IPv6 addresses for AAAA questions. */
  aaaa?: readonly string[];
  /** Answer with this response code instead (3 NXDOMAIN, 2 SERVFAIL, 5 REFUSED). */
  rcode?: number;
  /** Answer AAAA questions with this response code (A questions are answered as usual). */
  aaaaRcode?: number;
  /** Never answer AAAA questions (a server or middlebox that drops them). */
  aaaaNever?: boolean;
  /** Answer after this many ms. */
  delayMs?: number;
  /** Never answer (a resolver that has gone quiet). */
  never?: boolean;
  /** TTL of the answers, seconds. */
  ttl?: number;
}

export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface DnsQuestion {
  name: string;
  /** 'A', 'AAAA' or the numeric type. */
  type: string;
}

export interface DnsServerOptions {
  /** Names (lower case, no trailing dot) → answers. Unknown names get NXDOMAIN, or `fallback`'s. */
  table?: Record<string, DnsAnswer>;
  /** Answers for names not in the table (a benchmark's thousands of names). */
  fallback?: (name: string) => DnsAnswer | undefined;
  /** Added to every answer's delay. */
  delayMs?: number;
  host?: '127.0.0.1' | '::1';
  port?: number;
}

export interface DnsServer {
  readonly host: string;
  readonly port: number;
  /** `host:port` (IPv6 in brackets), as --dns-server takes it. */
  readonly address: string;
  /** Every question asked so far, in order. */
  readonly questions: DnsQuestion[];
  /** Most questions ever waiting for their answer at once (delayed or never answered). */
  readonly maxPending: number;
  /** Answers to change while running. */
  readonly table: Record<string, DnsAnswer>;
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;

export function startDnsServer(options: DnsServerOptions = {}): Promise<DnsServer> {
  const host = options.host ?? '127.0.0.1';
  const table = options.table ?? {};
  const questions: DnsQuestion[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const socket: Socket = createSocket(host === '::1' ? 'udp6' : 'udp4');
  let closed = false;
  let pending = 0;
  let maxPending = 0;

  socket.on('message', (msg: Buffer, peer: RemoteInfo) => {
    const query = parseQuery(msg);
    if (query === null) return;
    const name = query.name.toLowerCase();
    questions.push({ name, type: typeName(query.type) });
    const answer = table[name] ?? options.fallback?.(name) ?? { rcode: RCODE.NXDOMAIN };
    pending++;
    maxPending = Math.max(maxPending, pending);
    if (answer.never === true || (answer.aaaaNever === true && query.type === TYPE_AAAA)) return;
    const reply = buildReply(msg, query, answer);
    const delay = (options.delayMs ?? 0) + (answer.delayMs ?? 0);
    const sendReply = (): void => {
      pending--;
      if (!closed) socket.send(reply, peer.port, peer.address);
    };
    if (delay <= 0) {
      sendReply();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      sendReply();
    }, delay);
    timer.unref();
    timers.add(timer);
  });
  socket.on('error', () => {});

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject);
      socket.unref();
      const port = socket.address().port;
      resolve({
        host,
        port,
        get maxPending() {
          return maxPending;
        },
        address: host === '::1' ? `[::1]:${port}` : `${host}:${port}`,
        questions,
        table,
        close: () =>
          new Promise<void>((done) => {
            if (closed) {
              done();
              return;
            }
            closed = true;
            for (const t of timers) clearTimeout(t);
            socket.close(() => done());
          }),
      });
    });
  });
}

interface Query {
  name: string;
  type: number;
  /** Offset just past the question (name, type, class). */
  end: number;
}

/** The first question of a query, or null for anything we cannot read (ignored, as a server would). */
function parseQuery(msg: Buffer): Query | null {
  if (msg.length < 12) return null;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) !== 0 || msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const len = msg[at];
    if (len === undefined || len > 63) return null; // no compression in a question we parse
    at++;
    if (len === 0) break;
    if (at + len > msg.length) return null;
    labels.push(msg.toString('latin1', at, at + len));
    at += len;
  }
  if (at + 4 > msg.length) return null;
  return { name: labels.join('.'), type: msg.readUInt16BE(at), end: at + 4 };
}

function typeName(type: number): string {
  if (type === TYPE_A) return 'A';
  if (type === TYPE_AAAA) return 'AAAA';
  return String(type);
}

function buildReply(query: Buffer, q: Query, answer: DnsAnswer): Buffer {
  const rcode = (q.type === TYPE_AAAA ? answer.aaaaRcode : undefined) ?? answer.rcode ?? RCODE.NOERROR;
  const addresses =
    rcode !== RCODE.NOERROR
      ? []
      : q.type === TYPE_A
        ? (answer.a ?? [])
        : q.type === TYPE_AAAA
          ? (answer.aaaa ?? [])
          : [];
  const records: Buffer[] = [];
  for (const address of addresses) {
    const rdata = q.type === TYPE_A ? ipv4Bytes(address) : ipv6Bytes(address);
    const rr = Buffer.alloc(12 + rdata.length);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name (RFC 1035 §4.1.4)
    rr.writeUInt16BE(q.type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(answer.ttl ?? 60, 6);
    rr.writeUInt16BE(rdata.length, 10);
    rdata.copy(rr, 12);
    records.push(rr);
  }
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // ID
  const rd = query.readUInt16BE(2) & 0x0100;
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | (rcode & 0xf), 2); // QR, AA, RD echoed, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, query.subarray(12, q.end), ...records]);
}

function ipv4Bytes(address: string): Buffer {
  if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  if (!isIPv6(address)) throw new Error(`not an IPv6 address: ${address}`);
  const [head = '', tail] = address.split('::');
  const part = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}
