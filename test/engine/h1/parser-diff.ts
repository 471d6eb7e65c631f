/**
 * Differential testing of the response parser against llhttp (Node's own parser, driven through
 * undici's WebAssembly build, see llhttp.ts): generated and mutated responses, fed to both at the
 * same random split points, and the verdicts compared. Every disagreement must match one of the
 * {@link DELIBERATE} differences, each a stated choice; anything else is a bug in one of them.
 *
 * Shared by test/engine/h1/parser.differential.test.ts (bounded, fixed seed) and
 * scripts/fuzz-parser.ts (a longer run, any seed). Needs nothing from vitest.
 */
import fc from 'fast-check';
import { ParseError } from '../../../src/errors.js';
import { ResponseParser } from '../../../src/engine/h1/parser.js';
import { llhttpParse } from './llhttp.js';

/** One input: the bytes, where they are cut, the request method, whether the peer then closes. */
export interface Case {
  bytes: Buffer;
  cuts: number[];
  method: 'GET' | 'HEAD';
  close: boolean;
}

/** What a parser made of a case, in terms both parsers can express. */
export interface Verdict {
  error: boolean;
  /** Why it failed (the parser's words), for reports only. */
  reason: string | null;
  status: number | null;
  headers: string[] | null;
  body: string;
  complete: boolean;
  keepAlive: boolean | null;
  consumed: number | null;
}

export function ours(c: Case): Verdict {
  let status: number | null = null;
  let headers: string[] | null = null;
  let keepAlive: boolean | null = null;
  let complete = false;
  const body: Buffer[] = [];
  const parser = new ResponseParser({
    onHead: (h) => {
      status = h.status;
      headers = h.headers;
    },
    onBody: (chunk, start, end) => body.push(Buffer.from(chunk.subarray(start, end))),
    onComplete: (k) => {
      complete = true;
      keepAlive = k;
    },
  });
  parser.start(c.method);
  let consumed = 0;
  let prev = 0;
  try {
    for (const cut of [...c.cuts, c.bytes.length]) {
      const piece = c.bytes.subarray(prev, cut);
      prev = cut;
      const n = parser.execute(piece);
      consumed += n;
      if (n < piece.length || complete) break;
    }
    if (c.close && !complete) parser.finish();
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return {
      error: true,
      reason: error.message,
      status,
      headers,
      body: '',
      complete: false,
      keepAlive: null,
      consumed: null,
    };
  }
  return {
    error: false,
    reason: null,
    status,
    headers,
    body: Buffer.concat(body).toString('latin1'),
    complete,
    keepAlive,
    consumed: complete ? consumed : null,
  };
}

export function theirs(c: Case): Verdict {
  const o = llhttpParse(c.bytes, c.cuts, c.method, c.close);
  const complete = o.completes.length > 0;
  return {
    error: o.error !== null,
    reason: o.error,
    status: o.head?.status ?? null,
    headers: o.head?.headers ?? null,
    body: o.error === null ? o.body.toString('latin1') : '',
    complete: o.error === null && complete,
    keepAlive: o.error === null && complete ? (o.completes[0] ?? null) : null,
    consumed: o.error === null && complete ? o.consumed : null,
  };
}

/** The fields on which two verdicts differ (empty: they agree). Failures agree whatever the reason. */
export function differences(a: Verdict, b: Verdict): string[] {
  if (a.error || b.error) return a.error === b.error ? [] : ['error'];
  const out: string[] = [];
  if (a.status !== b.status) out.push('status');
  if (JSON.stringify(a.headers) !== JSON.stringify(b.headers)) out.push('headers');
  if (a.body !== b.body) out.push('body');
  if (a.complete !== b.complete) out.push('complete');
  if (a.keepAlive !== b.keepAlive) out.push('keepAlive');
  if (a.consumed !== b.consumed) out.push('consumed');
  return out;
}

// ------------------------------------------------------------------------------------------------
// Deliberate differences

/**
 * The final response head (the first that is not a 1xx, as latin1 text) and what follows it;
 * head is '' when there is none.
 */
function finalHead(bytes: Buffer): { head: string; rest: string } {
  const text = bytes.toString('latin1');
  const re = /\r?\n\r?\n/g;
  let from = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const head = text.slice(from, m.index);
    from = m.index + m[0].length;
    if (!/^HTTP\/1\.\d 1\d\d/.test(head) || /^HTTP\/1\.\d 101/.test(head)) return { head, rest: text.slice(from) };
  }
  return { head: text.slice(from), rest: '' };
}

/** Every head in the bytes (interim ones included) — a mutation may have made several. */
function heads(bytes: Buffer): string[] {
  return bytes.toString('latin1').split(/\r?\n\r?\n/);
}

/** Transfer-Encoding values of a head, in order. */
function teValues(head: string): string[] {
  return [...head.matchAll(/(?:^|\n)transfer-encoding:([^\r\n]*)/gi)].map((m) => m[1]!.trim());
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
const PARAMETER = `${TOKEN}[ \\t]*=[ \\t]*(?:${TOKEN}|${QUOTED})`;
const CODING = `${TOKEN}(?:[ \\t]*;[ \\t]*${PARAMETER})*`;
/** `#transfer-coding` (RFC 9112 §6.1), empty elements allowed (RFC 9110 §5.6.1.2). */
const TE_LIST = new RegExp(`^[ \\t,]*(?:${CODING}(?:[ \\t]*,[ \\t,]*${CODING})*)?[ \\t,]*$`);

function teCodings(head: string): string[] {
  return teValues(head)
    .join(',')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}

export interface Deliberate {
  name: string;
  /** Why we differ from llhttp here, with the RFC section that backs the choice. */
  why: string;
  /** Whether this difference can explain a disagreement on `c`. */
  applies(c: Case, ours: Verdict, theirs: Verdict): boolean;
  /** A response on which the two parsers do differ this way, and what ours makes of it. */
  example: { text: string; method?: 'GET' | 'HEAD'; close?: boolean; ours: 'error' | 'ok' };
}

/** Any head of the bytes matches `re`. */
const anyHead = (c: Case, re: RegExp): boolean => heads(c.bytes).some((h) => re.test(h));
const body = (c: Case): string => finalHead(c.bytes).rest;

export const DELIBERATE: readonly Deliberate[] = [
  {
    name: 'chunked twice',
    why: 'RFC 9112 §6.1: a sender MUST NOT apply chunked more than once; llhttp reads the outer chunking, we refuse (the content would still be chunk-framed)',
    applies: (c, o) => o.error && teCodings(finalHead(c.bytes).head).filter((t) => /^chunked\b/i.test(t)).length > 1,
    example: { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', ours: 'error' },
  },
  {
    name: 'chunked with parameters',
    why: 'chunked defines no parameters; llhttp takes `chunked;a=b` for an unknown coding (read until close), others for chunked: framing two readers disagree on is refused',
    applies: (c, o) => o.error && /chunked\s*;/i.test(teValues(finalHead(c.bytes).head).join(',')),
    example: { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;a=b\r\n\r\n0\r\n\r\n', ours: 'error' },
  },
  {
    name: 'OWS and empty list elements in Transfer-Encoding',
    why: 'RFC 9110 §5.5, §5.6.1: whitespace around a field value or a list element is not part of it, and empty elements do not count, so `chunked ,` and `chunked<TAB>` end in chunked; llhttp reads them until close',
    applies: (c) =>
      [...finalHead(c.bytes).head.matchAll(/(?:^|\n)transfer-encoding:([^\r\n]*)/gi)].some((m) =>
        /,[ \t]*(,|$)|^[ \t]*,|[ \t]$/.test(m[1]!),
      ),
    example: { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n', ours: 'ok' },
  },
  {
    name: 'Transfer-Encoding syntax',
    why: 'RFC 9112 §6.1: transfer-coding = token *( OWS ";" OWS transfer-parameter ); a list that does not parse is refused, llhttp skips what it does not know',
    applies: (c, o) => o.error && teValues(finalHead(c.bytes).head).some((v) => !TE_LIST.test(v)),
    example: { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip chunked\r\n\r\nabc', ours: 'error' },
  },
  {
    name: 'chunk extension grammar',
    why: 'RFC 9112 §7.1.1: chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) exactly: we accept BWS where the grammar has it (llhttp refuses it) and refuse an extension without a name or value (llhttp accepts `;=x`)',
    applies: (c, o, t) => o.error !== t.error && /(^|\n)[0-9a-fA-F]+[ \t;]/.test(body(c)),
    example: {
      text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 ; a = b\r\nhello\r\n0\r\n\r\n',
      ours: 'ok',
    },
  },
  {
    name: 'bare LF line ends',
    why: 'RFC 9112 §2.2: a recipient MAY recognize a single LF as a line terminator; we do, in the head, the chunk framing and trailers alike',
    applies: (c, o, t) => !o.error && t.error && /(^|[^\r])\n/.test(c.bytes.toString('latin1')),
    example: { text: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', ours: 'ok' },
  },
  {
    name: 'identical Content-Length values',
    why: 'RFC 9110 §8.6: a recipient may take a list of identical values (or repeated identical fields) as one; llhttp refuses any duplicate',
    applies: (c, o, t) => !o.error && t.error && anyHead(c, /content-length:[^\n]*(,|\n[\s\S]*content-length:)/i),
    example: { text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok', ours: 'ok' },
  },
  {
    name: 'HTTP/1.x minor versions',
    why: 'RFC 9112 §2.3: a 1.x response with a higher minor version is read as 1.1; llhttp refuses versions it does not know',
    applies: (c, o, t) => !o.error && t.error && anyHead(c, /^HTTP\/1\.[2-9]/m),
    example: { text: 'HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n', ours: 'ok' },
  },
  {
    name: 'control characters in the head',
    why: 'RFC 9110 §5.5: field values and the reason phrase are VCHAR, obs-text, SP and HTAB; we refuse other control bytes (and DEL) where llhttp lets some through',
    applies: (c, o) => o.error && anyHead(c, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)/),
    example: { text: 'HTTP/1.1 200 O\x7fK\r\nContent-Length: 0\r\n\r\n', ours: 'error' },
  },
  {
    name: 'Transfer-Encoding with Content-Length',
    why: 'RFC 9112 §6.3 rule 3: the pair "ought to be handled as an error" (the signature of smuggling); we refuse it whatever the Transfer-Encoding holds, llhttp overlooks an empty one',
    applies: (c, o) =>
      o.error &&
      /(^|\n)transfer-encoding:/i.test(finalHead(c.bytes).head) &&
      /(^|\n)content-length:/i.test(finalHead(c.bytes).head),
    example: { text: 'HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\nContent-Length: 2\r\n\r\nok', ours: 'error' },
  },
  {
    name: 'Connection: close wins',
    why: 'RFC 9112 §9.3: with the close option the connection does not persist, whatever else Connection says; llhttp lets a later keep-alive override it in HTTP/1.0',
    applies: (c, o, t) =>
      o.keepAlive === false && t.keepAlive === true && /(^|\n)connection:[^\n]*close/i.test(finalHead(c.bytes).head),
    example: {
      text: 'HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
      ours: 'ok',
    },
  },
  {
    name: 'HTTP/1.0 with Transfer-Encoding is not reused',
    why: 'RFC 9112 §6.1: a 1.0 message with Transfer-Encoding has faulty framing; it is read, but the connection is closed after it; llhttp keeps it for Connection: keep-alive',
    applies: (c, o, t) => o.keepAlive === false && t.keepAlive === true && /^HTTP\/1\.0/.test(finalHead(c.bytes).head),
    example: {
      text: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ours: 'ok',
    },
  },
  {
    name: 'errors in an unfinished head line wait for its end',
    why: 'so that the same bytes give the same result however they are split, a malformed byte in a head line is reported when the line ends, runs past the limit or the peer closes; llhttp reports it at once',
    applies: (c, o, t) => !c.close && !o.error && !o.complete && t.error,
    example: { text: 'HTTP/1.1 200 OK\r\nX: a\rb', close: false, ours: 'ok' },
  },
  {
    name: 'a malformed field is refused when its line ends',
    why: 'we check a framing field (Content-Length, Transfer-Encoding) as soon as its line is complete; llhttp may wait for the end of the head, so with bytes still to come only we have decided',
    applies: (c, o, t) => !c.close && o.error && !t.error && !t.complete && t.status === null,
    example: { text: 'HTTP/1.1 200 OK\r\nContent-Length:\r\n', close: false, ours: 'error' },
  },
  {
    name: 'empty lines before a status line',
    why: 'RFC 9112 §2.2 lets a server skip empty lines before a request-line; nothing allows them before a status line, so we refuse them, llhttp skips them',
    applies: (c, o) => o.error && /(^|\r?\n\r?\n)(\r?\n)+HTTP\//.test(c.bytes.toString('latin1')),
    example: { text: 'HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', ours: 'error' },
  },
  {
    name: 'status codes below 100',
    why: 'RFC 9110 §15: a status code is a three-digit integer from 100; llhttp takes `004` as status 4',
    applies: (c, o) => o.error && anyHead(c, /^HTTP\/1\.\d 0\d\d/m),
    example: { text: 'HTTP/1.1 004 Odd\r\nContent-Length: 0\r\n\r\n', ours: 'error' },
  },
  {
    name: 'OWS after a Content-Length value',
    why: 'RFC 9112 §5.1: OWS around a field value is not part of it, so `Content-Length: 1\\t` is 1; llhttp refuses the tab',
    applies: (c, o, t) =>
      !o.error && t.error && /(^|\n)content-length:[^\n]*[ \t]\r?\n/i.test(`${finalHead(c.bytes).head}\n`),
    example: { text: 'HTTP/1.1 200 OK\r\nContent-Length: 2\t\r\n\r\nok', ours: 'ok' },
  },
  {
    name: 'an interim response does not end the connection',
    why: 'RFC 9110 §15.2: 1xx responses only precede the final one, so their version and Connection field say nothing about the connection; llhttp takes an HTTP/1.0 (or Connection: close) 1xx as the last message',
    applies: (c, o, t) =>
      !o.error &&
      t.error &&
      heads(c.bytes).some((h) => /^HTTP\/1\.\d 1\d\d/.test(h) && /^HTTP\/1\.0|\nconnection:[^\n]*close/i.test(h)),
    example: { text: 'HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', ours: 'ok' },
  },
  {
    name: '101 Switching Protocols',
    why: 'RFC 9110 §15.2.2, §7.8: we never send Upgrade, so a 101 is a server error; llhttp hands the connection over to the new protocol',
    applies: (c) => anyHead(c, /^HTTP\/1\.\d 101/m),
    example: { text: 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n', ours: 'error' },
  },
];

/** The deliberate difference that explains a disagreement, or null. */
export function explain(c: Case, o: Verdict, t: Verdict): Deliberate | null {
  return DELIBERATE.find((d) => d.applies(c, o, t)) ?? null;
}

/** Runs one case through both parsers: null when they agree or the difference is deliberate, else a report. */
export function check(c: Case): string | null {
  const o = ours(c);
  const t = theirs(c);
  const diff = differences(o, t);
  if (diff.length === 0 || explain(c, o, t) !== null) return null;
  return [
    `parsers disagree on ${diff.join(', ')} (${c.method}, cuts ${JSON.stringify(c.cuts)}, close ${c.close}):`,
    `  input:  ${JSON.stringify(c.bytes.toString('latin1'))}`,
    `  ours:   ${JSON.stringify(o)}`,
    `  llhttp: ${JSON.stringify(t)}`,
  ].join('\n');
}

// ------------------------------------------------------------------------------------------------
// Generation

const statusLine = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom('HTTP/1.1 200 OK', 'HTTP/1.0 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 302 Found'),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom('HTTP/1.1 204 No Content', 'HTTP/1.1 304 Not Modified', 'HTTP/1.1 200', 'HTTP/1.1 200 '),
  },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 999 }).map((s) => `HTTP/1.1 ${s} X`) },
);

const interim = fc.constantFrom(
  '',
  '',
  '',
  'HTTP/1.1 100 Continue\r\n\r\n',
  'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n',
);

const plainField = fc.constantFrom(
  'Server: nginx',
  'Content-Type: text/html; charset=utf-8',
  'Set-Cookie: a=1; Path=/',
  'X-Empty:',
  'X-Pad:   spaced\t ',
  'Date: Mon, 01 Jan 2024 00:00:00 GMT',
  'Connection: close',
  'Connection: keep-alive',
  'Connection: Upgrade, close',
  'Keep-Alive: timeout=5',
  'X-Obs: caf\xe9',
);

const extension = fc.constantFrom(
  '',
  '',
  ';a',
  ';a=b',
  ';a="q;x"',
  ';a="x\\"y"',
  ' ;a',
  ';a = b',
  ';',
  ';=x',
  '; ;a',
  ';a=',
  ';a b',
  ' ',
);

const trailer = fc.constantFrom(
  '',
  '',
  'X-T: 1\r\n',
  'X-A: 1\r\nX-B: 2\r\n',
  'X :1\r\n',
  ': x\r\n',
  'X(: 1\r\n',
  'nocolon\r\n',
);

const teValue = fc.constantFrom(
  'chunked',
  'chunked',
  'Chunked',
  'gzip, chunked',
  'gzip',
  'chunked, gzip',
  'chunked, chunked',
  'chunked;a=b',
  'chunked ,',
  ', chunked',
  '',
);

const bodyText = fc.string({ maxLength: 24 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x'));

/** A framed message: the framing fields and the bytes after the head. */
const framing: fc.Arbitrary<{ fields: string[]; rest: string }> = fc.oneof(
  fc.tuple(bodyText, fc.constantFrom(0, 0, 0, 1, -1), fc.boolean()).map(([b, skew, twice]) => {
    const cl = `Content-Length: ${Math.max(0, b.length + skew)}`;
    return { fields: twice ? [cl, cl] : [cl], rest: b };
  }),
  fc
    .tuple(
      teValue,
      fc.array(
        fc.tuple(
          bodyText.filter((s) => s.length > 0),
          extension,
        ),
        { maxLength: 3 },
      ),
      extension,
      trailer,
    )
    .map(([te, chunks, lastExt, trailers]) => ({
      fields: [`Transfer-Encoding: ${te}`],
      rest: `${chunks.map(([d, e]) => `${d.length.toString(16)}${e}\r\n${d}\r\n`).join('')}0${lastExt}\r\n${trailers}\r\n`,
    })),
  bodyText.map((b) => ({ fields: [], rest: b })),
  fc
    .tuple(teValue, bodyText)
    .map(([te, b]) => ({ fields: [`Transfer-Encoding: ${te}`, 'Content-Length: 3'], rest: b })),
);

/** Bytes that tend to matter to an HTTP/1 parser. */
const INTERESTING = [
  '\r',
  '\n',
  '\r\n',
  ' ',
  '\t',
  ':',
  ';',
  '=',
  '"',
  '\\',
  ',',
  '\0',
  '\x7f',
  '\x80',
  '\xff',
  '0',
  'a',
  'chunked',
  '\r\n\r\n',
  '\r\n ',
  'Content-Length: 1\r\n',
  'Transfer-Encoding: chunked\r\n',
];

type Mutation = { at: number; kind: 'replace' | 'insert' | 'delete'; what: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'insert', 'delete'),
  what: fc.constantFrom(...INTERESTING),
});

function mutate(text: string, m: Mutation): string {
  if (text.length === 0) return m.what;
  const at = m.at % text.length;
  if (m.kind === 'insert') return text.slice(0, at) + m.what + text.slice(at);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + 1 + (m.at % 3));
  return text.slice(0, at) + m.what + text.slice(at + 1);
}

/** Generated responses, a third of them mutated, with random split points. */
export const caseArb: fc.Arbitrary<Case> = fc
  .record({
    interim,
    status: statusLine,
    fields: fc.array(plainField, { maxLength: 3 }),
    framing,
    lf: fc.constantFrom('\r\n', '\r\n', '\r\n', '\n'),
    mutations: fc.oneof(
      { weight: 2, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
    ),
    method: fc.constantFrom<'GET' | 'HEAD'>('GET', 'GET', 'GET', 'HEAD'),
    close: fc.constantFrom(true, true, true, false),
    cuts: fc.array(fc.nat(), { maxLength: 4 }),
  })
  .map((r) => {
    const fields = [...r.fields, ...r.framing.fields];
    let text = `${r.interim}${r.status}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
    if (r.lf !== '\r\n') text = text.replace(/\r\n/g, r.lf);
    text += r.framing.rest;
    for (const m of r.mutations) text = mutate(text, m);
    const bytes = Buffer.from(text, 'latin1');
    const cuts = [...new Set(r.cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))]
      .filter((c) => c > 0)
      .sort((a, b) => a - b);
    return { bytes, cuts, method: r.method, close: r.close };
  });
