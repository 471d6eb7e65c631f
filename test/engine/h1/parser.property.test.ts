import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { ResponseParser, type ParserOptions, type ResponseHead } from '../../../src/engine/h1/parser.js';

// ------------------------------------------------------------------------------------------------
// Harness (the unit test file has a fuller one; this is what the properties need)

interface Outcome {
  heads: ResponseHead[];
  body: string;
  completes: boolean[];
  /** Sum of execute's return values; null after an error (it then depends on the split). */
  consumed: number | null;
  error: ParseError['code'] | null;
}

interface Feed {
  method: string;
  close: boolean;
  options?: ParserOptions;
}

/** Feeds `bytes` cut at `cuts`; any exception other than ParseError escapes and fails the test. */
function run(bytes: Buffer, cuts: readonly number[], feed: Feed): Outcome {
  const heads: ResponseHead[] = [];
  const bodies: Buffer[] = [];
  const completes: boolean[] = [];
  const parser = new ResponseParser(
    {
      onHead: (h) => heads.push(h),
      onBody: (chunk, start, end) => {
        if (!(start < end && end <= chunk.length)) throw new Error(`bad body range ${start}..${end}`);
        bodies.push(Buffer.from(chunk.subarray(start, end)));
      },
      onComplete: (k) => completes.push(k),
    },
    feed.options,
  );
  parser.start(feed.method);
  const bounds = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  bounds.push(bytes.length);
  let consumed = 0;
  let error: ParseError['code'] | null = null;
  let prev = 0;
  try {
    for (const cut of bounds) {
      const piece = Buffer.from(bytes.subarray(prev, cut));
      prev = cut;
      const n = parser.execute(piece);
      piece.fill(0x5a); // the parser must not keep pointing into a fed chunk
      if (!(n >= 0 && n <= piece.length)) throw new Error(`execute returned ${n} for ${piece.length} bytes`);
      consumed += n;
      if (n < piece.length) {
        if (!parser.done) throw new Error('bytes left unparsed but the response is not complete');
        break;
      }
    }
    if (feed.close) parser.finish();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    error = e.code;
  }
  return {
    heads,
    body: Buffer.concat(bodies).toString('latin1'),
    completes,
    consumed: error === null ? consumed : null,
    error,
  };
}

/** `PARSER_FUZZ_SCALE=50 npx vitest run test/engine/h1/parser.property.test.ts` fuzzes 50 times longer. */
const SCALE = Math.max(1, Number(process.env.PARSER_FUZZ_SCALE ?? 1) || 1);
const runs = (n: number): number => n * SCALE;

const bytewise = (length: number): number[] => Array.from({ length }, (_, i) => i);

// ------------------------------------------------------------------------------------------------
// Generated valid responses

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const VCHARS = (() => {
  let out = '';
  for (let b = 0x21; b <= 0x7e; b++) out += String.fromCharCode(b);
  for (let b = 0x80; b <= 0xff; b++) out += String.fromCharCode(b);
  return out;
})();
const FRAMING_NAMES = new Set(['content-length', 'transfer-encoding', 'connection']);

const tokenArb = (max: number) => fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: max });
const owsArb = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 });
/** A field value as sent: OWS around field-vchars with inner SP/HTAB. */
const valueArb = fc
  .tuple(owsArb, fc.string({ unit: fc.constantFrom(...VCHARS, ' ', '\t'), maxLength: 40 }), owsArb)
  .map(([lead, inner, trail]) => lead + inner + trail);
const fieldArb = fc.tuple(
  tokenArb(24).filter((n) => !FRAMING_NAMES.has(n.toLowerCase())),
  valueArb,
);

const trim = (value: string): string => value.replace(/^[ \t]+|[ \t]+$/g, '');

type Framing =
  | { kind: 'length' }
  | { kind: 'close' }
  | {
      kind: 'chunked';
      cuts: number[];
      sizeStyles: Array<{ zeros: number; upper: boolean; ext: string }>;
      lastExt: string;
      trailers: Array<[string, string]>;
    };

const extArb = fc.oneof(
  fc.constant(''),
  tokenArb(8).map((n) => `;${n}`),
  fc.tuple(tokenArb(8), tokenArb(8)).map(([n, v]) => ` ;${n}=${v}`),
  fc
    .tuple(tokenArb(8), fc.string({ unit: fc.constantFrom(...'ab;,= '), maxLength: 6 }))
    .map(([n, v]) => `;${n}="${v}"`),
);

const framingArb: fc.Arbitrary<Framing> = fc.oneof(
  fc.constant<Framing>({ kind: 'length' }),
  fc.constant<Framing>({ kind: 'close' }),
  fc.record({
    kind: fc.constant('chunked' as const),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
    sizeStyles: fc.array(fc.record({ zeros: fc.nat(2), upper: fc.boolean(), ext: extArb }), {
      minLength: 8,
      maxLength: 8,
    }),
    lastExt: extArb,
    trailers: fc.array(fieldArb, { maxLength: 3 }),
  }),
);

interface Spec {
  method: 'GET' | 'HEAD';
  lf: boolean;
  interim: Array<{ status: number; fields: Array<[string, string]> }>;
  version: 0 | 1;
  status: number;
  reason: string | null;
  fields: Array<[string, string]>;
  connection: 'none' | 'close' | 'keep-alive';
  framing: Framing;
  body: Uint8Array;
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  method: fc.constantFrom('GET' as const, 'GET' as const, 'HEAD' as const),
  lf: fc.boolean(),
  interim: fc.array(
    fc.record({
      status: fc.constantFrom(100, 102, 103, 150, 199),
      fields: fc.array(fieldArb, { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
  version: fc.constantFrom(0 as const, 1 as const, 1 as const),
  status: fc.oneof(fc.constantFrom(200, 204, 304, 404, 500), fc.integer({ min: 200, max: 999 })),
  reason: fc.option(fc.string({ unit: fc.constantFrom(...VCHARS, ' ', '\t'), maxLength: 20 })),
  fields: fc.array(fieldArb, { maxLength: 8 }),
  connection: fc.constantFrom('none' as const, 'close' as const, 'keep-alive' as const),
  framing: framingArb,
  body: fc.uint8Array({ maxLength: 300 }),
});

interface Built {
  bytes: Buffer;
  head: ResponseHead;
  body: string;
  keepAlive: boolean;
}

/** The response bytes for a spec, and what the parser must make of them. */
function build(spec: Spec): Built {
  const eol = spec.lf ? '\n' : '\r\n';
  let text = '';
  for (const interim of spec.interim) {
    text += `HTTP/1.1 ${interim.status} Interim${eol}`;
    for (const [n, v] of interim.fields) text += `${n}:${v}${eol}`;
    text += eol;
  }
  text += `HTTP/1.${spec.version} ${spec.status}${spec.reason === null ? '' : ` ${spec.reason}`}${eol}`;
  const fields: Array<[string, string]> = [...spec.fields];
  if (spec.connection !== 'none') fields.push(['Connection', spec.connection]);
  const bodyText = Buffer.from(spec.body).toString('latin1');
  let framed = '';
  const f = spec.framing;
  if (f.kind === 'length') {
    fields.push(['Content-Length', String(spec.body.length)]);
    framed = bodyText;
  } else if (f.kind === 'close') {
    framed = bodyText;
  } else {
    fields.push(['Transfer-Encoding', 'chunked']);
    const cuts = [...new Set(f.cuts.map((c) => c % (spec.body.length + 1)))].filter((c) => c > 0).sort((a, b) => a - b);
    const edges = [0, ...cuts, spec.body.length];
    for (let k = 0; k + 1 < edges.length; k++) {
      const size = edges[k + 1]! - edges[k]!;
      if (size === 0) continue;
      const style = f.sizeStyles[k % f.sizeStyles.length]!;
      let hex = '0'.repeat(style.zeros) + size.toString(16);
      if (style.upper) hex = hex.toUpperCase();
      framed += `${hex}${style.ext}${eol}${bodyText.slice(edges[k], edges[k + 1])}${eol}`;
    }
    framed += `0${f.lastExt}${eol}`;
    for (const [n, v] of f.trailers) framed += `${n}: ${v}${eol}`;
    framed += eol;
  }
  for (const [n, v] of fields) text += `${n}:${v}${eol}`;
  text += eol;

  const noBody = spec.method === 'HEAD' || spec.status === 204 || spec.status === 304;
  let keepAlive = spec.version === 1 ? spec.connection !== 'close' : spec.connection === 'keep-alive';
  if (f.kind === 'chunked' && spec.version === 0) keepAlive = false; // RFC 9112 §6.1
  if (!noBody && f.kind === 'close') keepAlive = false;
  const head: ResponseHead = {
    status: spec.status,
    reason: spec.reason ?? '',
    version: spec.version,
    headers: fields.flatMap(([n, v]) => [n.toLowerCase(), trim(v)]),
    keepAlive,
    contentLength: noBody ? 0 : f.kind === 'length' ? spec.body.length : -1,
    chunked: !noBody && f.kind === 'chunked',
  };
  return {
    bytes: Buffer.from(text + (noBody ? '' : framed), 'latin1'),
    head,
    body: noBody ? '' : bodyText,
    keepAlive,
  };
}

const cutsArb = fc.array(fc.nat(), { maxLength: 8 });

// ------------------------------------------------------------------------------------------------

describe('generated valid responses', () => {
  it('parse to the generated head and body, whole and split anywhere', () => {
    fc.assert(
      fc.property(specArb, cutsArb, fc.boolean(), (spec, rawCuts, oneByOne) => {
        const built = build(spec);
        const feed: Feed = { method: spec.method, close: true };
        const expected: Outcome = {
          heads: [built.head],
          body: built.body,
          completes: [built.keepAlive],
          consumed: built.bytes.length,
          error: null,
        };
        expect(run(built.bytes, [], feed)).toEqual(expected);
        const cuts = oneByOne ? bytewise(built.bytes.length) : rawCuts.map((c) => c % (built.bytes.length + 1));
        expect(run(built.bytes, cuts, feed)).toEqual(expected);
      }),
      { numRuns: runs(300) },
    );
  });

  it('leave bytes that follow a self-delimited response unconsumed', () => {
    fc.assert(
      fc.property(specArb, fc.uint8Array({ minLength: 1, maxLength: 20 }), cutsArb, (spec, extra, rawCuts) => {
        fc.pre(spec.framing.kind !== 'close' || spec.method === 'HEAD' || spec.status === 204 || spec.status === 304);
        const built = build(spec);
        const bytes = Buffer.concat([built.bytes, extra]);
        const o = run(
          bytes,
          rawCuts.map((c) => c % (bytes.length + 1)),
          { method: spec.method, close: false },
        );
        expect(o.error).toBeNull();
        expect(o.consumed).toBe(built.bytes.length);
        expect(o.body).toBe(built.body);
      }),
      { numRuns: runs(150) },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// Damaged responses

type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number };

/** Bytes that matter to the grammar, so mutations hit the interesting cases often. */
const byteArb = fc.oneof(
  fc.constantFrom(0, 9, 10, 13, 32, 44, 48, 58, 59, 0x7f, 0xff, 0x41, 0x66),
  fc.integer({ min: 0, max: 255 }),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: byteArb }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: byteArb }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(bytes: Buffer, mutations: readonly Mutation[], truncateAt: number | null): Buffer {
  const out = [...bytes];
  for (const m of mutations) {
    const at = m.at % (out.length + 1);
    if (m.op === 'insert') out.splice(at, 0, m.byte);
    else if (at < out.length) {
      if (m.op === 'flip') out[at] = m.byte;
      else out.splice(at, 1);
    }
  }
  const cut = truncateAt === null ? out.length : truncateAt % (out.length + 1);
  return Buffer.from(out.slice(0, cut));
}

const limitsArb: fc.Arbitrary<ParserOptions> = fc.oneof(
  fc.constant({}),
  fc.record({ maxHeaderBytes: fc.integer({ min: 1, max: 200 }), maxTrailerBytes: fc.integer({ min: 1, max: 60 }) }),
);

describe('damaged responses', () => {
  it('only ever throw ParseError, and give the same result however they are split', () => {
    fc.assert(
      fc.property(
        specArb,
        fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat()),
        limitsArb,
        fc.boolean(),
        cutsArb,
        (spec, mutations, truncateAt, options, close, rawCuts) => {
          const bytes = mutate(build(spec).bytes, mutations, truncateAt);
          const feed: Feed = { method: spec.method, close, options };
          // run() lets anything but a ParseError escape, failing the property.
          const whole = run(bytes, [], feed);
          expect(
            run(
              bytes,
              rawCuts.map((c) => c % (bytes.length + 1)),
              feed,
            ),
          ).toEqual(whole);
          expect(run(bytes, bytewise(bytes.length), feed)).toEqual(whole);
        },
      ),
      { numRuns: runs(400) },
    );
  });

  it('truncated anywhere before its end, a response is reported truncated or complete, never silently cut', () => {
    fc.assert(
      fc.property(specArb, fc.nat(), (spec, at) => {
        const built = build(spec);
        const cut = at % built.bytes.length; // strictly shorter
        const o = run(built.bytes.subarray(0, cut), [], { method: spec.method, close: true });
        const closeDelimited = built.head.contentLength === -1 && !built.head.chunked;
        if (closeDelimited && o.heads.length === 1) {
          // Nothing in the bytes says where such a body ends: the close is its end.
          expect(o.error).toBeNull();
          expect(o.completes).toEqual([false]);
        } else {
          expect(o.error).toBe('truncated');
          expect(o.completes).toEqual([]);
        }
      }),
      { numRuns: runs(300) },
    );
  });
});

// ------------------------------------------------------------------------------------------------

describe('work is bounded', () => {
  it('a long head trickled in byte by byte is parsed in linear time (no rescans per byte)', () => {
    // 60 KiB in one header line, one byte per execute. A parser that rescanned the unfinished
    // line on every call would do ~1.8e9 byte steps here and time the test out.
    const line = `HTTP/1.1 200 OK\r\nX-Long: ${'v'.repeat(60_000)}\r\nContent-Length: 0\r\n\r\n`;
    const bytes = Buffer.from(line, 'latin1');
    const o = run(bytes, bytewise(bytes.length), { method: 'GET', close: false });
    expect(o.error).toBeNull();
    expect(o.heads[0]?.headers[1]).toHaveLength(60_000);
  });

  it('endless tiny chunks and trailers stop at the limit instead of running forever', () => {
    const trailers = Buffer.from(
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${'a: b\r\n'.repeat(20_000)}`,
    );
    expect(run(trailers, [], { method: 'GET', close: false }).error).toBe('too_large');
  });
});
