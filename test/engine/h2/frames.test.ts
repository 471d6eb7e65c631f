import { describe, expect, it } from 'vitest';
import {
  CONTINUATION,
  DATA,
  FLAG_ACK,
  FLAG_END_HEADERS,
  FLAG_END_STREAM,
  FLAG_PADDED,
  FLAG_PRIORITY,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  FrameReader,
  type FrameHandler,
  GOAWAY,
  H2Error,
  HEADERS,
  PING,
  PRIORITY,
  PROTOCOL_ERROR,
  PUSH_PROMISE,
  RST_STREAM,
  SETTINGS,
  WINDOW_UPDATE,
  dataFrame,
  frame,
  goawayFrame,
  headersFrames,
  pingAck,
  rstStreamFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../../../src/engine/h2/frames.js';

/** Records every callback as one line, payloads in hex. */
function recorder(): { handler: FrameHandler; log: string[] } {
  const log: string[] = [];
  const hex = (b: Buffer, s: number, e: number): string => b.subarray(s, e).toString('hex');
  const handler: FrameHandler = {
    onData: (id, c, s, e, end, flow) => log.push(`DATA ${id} ${hex(c, s, e)} end=${end} flow=${flow}`),
    onHeaders: (id, c, s, e, end, eh) => log.push(`HEADERS ${id} ${hex(c, s, e)} end=${end} eh=${eh}`),
    onContinuation: (id, c, s, e, eh) => log.push(`CONT ${id} ${hex(c, s, e)} eh=${eh}`),
    onRstStream: (id, code) => log.push(`RST ${id} ${code}`),
    onSettings: (ack, values) => log.push(`SETTINGS ${ack} ${values.join(',')}`),
    onPing: (ack, c, s) => log.push(`PING ${ack} ${hex(c, s, s + 8)}`),
    onGoaway: (last, code, debug) => log.push(`GOAWAY ${last} ${code} ${debug.toString()}`),
    onWindowUpdate: (id, inc) => log.push(`WU ${id} ${inc}`),
    onPushPromise: (id, promised) => log.push(`PUSH ${id} ${promised}`),
  };
  return { handler, log };
}

const bytes = (...values: number[]): Buffer => Buffer.from(values);

/**
 * A DATA frame split across chunks comes in pieces: consecutive DATA entries of one stream are
 * merged (content joined, flow added, END_STREAM from the last), so logs compare across splits.
 */
function merged(log: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of log) {
    const m = /^DATA (\d+) ([0-9a-f]*) end=(\w+) flow=(\d+)$/.exec(line);
    const prev = out.length > 0 ? /^DATA (\d+) ([0-9a-f]*) end=(\w+) flow=(\d+)$/.exec(out[out.length - 1]!) : null;
    if (m !== null && prev !== null && prev[1] === m[1] && prev[3] === 'false') {
      out[out.length - 1] = `DATA ${m[1]} ${prev[2]}${m[2]} end=${m[3]} flow=${Number(prev[4]) + Number(m[4])}`;
    } else out.push(line);
  }
  return out;
}

/** A server's side of an exchange, every frame type and flag the reader handles. */
const recorded = Buffer.concat([
  settingsFrame([3, 100, 4, 65535, 0x99, 7]),
  frame(SETTINGS, FLAG_ACK, 0),
  // HEADERS, padded and with priority, then CONTINUATION.
  frame(HEADERS, FLAG_PADDED | FLAG_PRIORITY, 1, bytes(2, 0, 0, 0, 3, 200, 0x88, 0x40, 0, 0)),
  frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x0f, 0x10)),
  frame(PRIORITY, 0, 1, bytes(0, 0, 0, 0, 9)),
  dataFrame(1, Buffer.from('hello'), 0, 5, false),
  frame(DATA, FLAG_PADDED | FLAG_END_STREAM, 1, bytes(3, 0x61, 0x62, 0, 0, 0)),
  frame(0x42, 0xff, 5, Buffer.from('an extension frame')),
  frame(PING, 0, 0, bytes(1, 2, 3, 4, 5, 6, 7, 8)),
  windowUpdateFrame(0, 1000),
  windowUpdateFrame(3, 7),
  rstStreamFrame(3, 8),
  frame(DATA, 0, 5, Buffer.alloc(0)),
  frame(GOAWAY, 0, 0, Buffer.concat([bytes(0, 0, 0, 5, 0, 0, 0, 0), Buffer.from('bye')])),
]);

const expected = [
  'SETTINGS false 3,100,4,65535,153,7',
  'SETTINGS true ',
  'HEADERS 1 8840 end=false eh=false',
  'CONT 1 0f10 eh=true',
  'DATA 1 68656c6c6f6162 end=true flow=11',
  'PING false 0102030405060708',
  'WU 0 1000',
  'WU 3 7',
  'RST 3 8',
  'DATA 5  end=false flow=0',
  'GOAWAY 5 0 bye',
];

describe('FrameReader', () => {
  it('reads a recorded exchange: padding and priority removed, PRIORITY and unknown types dropped', () => {
    const { handler, log } = recorder();
    new FrameReader(handler).execute(recorded);
    expect(merged(log)).toEqual(expected);
  });

  it('reads the same at every split point (two chunks) and byte by byte', () => {
    for (let at = 0; at <= recorded.length; at++) {
      const { handler, log } = recorder();
      const reader = new FrameReader(handler);
      // Copies, so nothing depends on the two halves sharing memory.
      reader.execute(Buffer.from(recorded.subarray(0, at)));
      reader.execute(Buffer.from(recorded.subarray(at)));
      expect(merged(log), `split at ${at}`).toEqual(expected);
      expect(reader.midFrame).toBe(false);
    }
    const { handler, log } = recorder();
    const reader = new FrameReader(handler);
    for (let i = 0; i < recorded.length; i++) reader.execute(recorded.subarray(i, i + 1));
    expect(merged(log)).toEqual(expected);
  });

  it('at every three-way split too', () => {
    const short = recorded.subarray(0, 80);
    const { handler: h0, log: whole } = recorder();
    new FrameReader(h0).execute(short);
    for (let a = 0; a <= short.length; a += 3) {
      for (let b = a; b <= short.length; b += 2) {
        const { handler, log } = recorder();
        const reader = new FrameReader(handler);
        reader.execute(short.subarray(0, a));
        reader.execute(short.subarray(a, b));
        reader.execute(short.subarray(b));
        expect(merged(log)).toEqual(merged(whole));
      }
    }
  });

  it('a DATA frame split across chunks comes in pieces that are views of the chunks, not copies', () => {
    const payload = Buffer.concat([Buffer.from([4]), Buffer.from('0123456789'), Buffer.alloc(4)]);
    const wire = frame(DATA, FLAG_PADDED | FLAG_END_STREAM, 3, payload);
    for (let at = 0; at <= wire.length; at++) {
      for (let at2 = at; at2 <= wire.length; at2++) {
        const parts = [wire.subarray(0, at), wire.subarray(at, at2), wire.subarray(at2)].map((p) => Buffer.from(p));
        const pieces: Array<{ chunk: Buffer; text: string; size: number; end: boolean; flow: number }> = [];
        const { handler } = recorder();
        const reader = new FrameReader({
          ...handler,
          onData: (_id, chunk, start, end, endStream, flow) =>
            pieces.push({ chunk, text: chunk.toString('latin1', start, end), size: end - start, end: endStream, flow }),
        });
        for (const part of parts) reader.execute(part);
        expect(pieces.map((p) => p.text).join('')).toBe('0123456789');
        for (const p of pieces) expect(p.size >= 0 && p.flow >= p.size).toBe(true);
        expect(pieces.reduce((n, p) => n + p.flow, 0)).toBe(payload.length);
        expect(pieces.map((p) => p.end)).toEqual([...pieces.slice(1).map(() => false), true]);
        // Each piece is a view of one of the chunks fed (the header alone may have been copied).
        for (const p of pieces) expect(parts.some((part) => part === p.chunk) || p.text === '').toBe(true);
        expect(reader.midFrame).toBe(false);
      }
    }
  });

  it('padding longer than a DATA frame split across chunks is still a PROTOCOL_ERROR', () => {
    const wire = frame(DATA, FLAG_PADDED, 1, bytes(9, 1, 2, 3));
    const { handler } = recorder();
    const reader = new FrameReader(handler);
    reader.execute(wire.subarray(0, 9));
    let caught: unknown;
    try {
      reader.execute(wire.subarray(9));
    } catch (err) {
      caught = err;
    }
    expect((caught as H2Error).h2Code).toBe(PROTOCOL_ERROR);
  });

  const errorCases: Array<[string, Buffer, number]> = [
    ['a frame over our SETTINGS_MAX_FRAME_SIZE', frame(DATA, 0, 1, Buffer.alloc(16_385)), FRAME_SIZE_ERROR],
    ['DATA on stream 0', frame(DATA, 0, 0, bytes(1)), PROTOCOL_ERROR],
    ['HEADERS on stream 0', frame(HEADERS, FLAG_END_HEADERS, 0, bytes(0x88)), PROTOCOL_ERROR],
    ['padding as long as the DATA payload', frame(DATA, FLAG_PADDED, 1, bytes(4, 0, 0, 0)), PROTOCOL_ERROR],
    [
      'padding longer than a HEADERS payload',
      frame(HEADERS, FLAG_PADDED | FLAG_END_HEADERS, 1, bytes(5, 0x88)),
      PROTOCOL_ERROR,
    ],
    ['a padded frame without a pad length', frame(DATA, FLAG_PADDED, 1), FRAME_SIZE_ERROR],
    [
      'HEADERS with priority but too short',
      frame(HEADERS, FLAG_PRIORITY | FLAG_END_HEADERS, 1, bytes(0, 0)),
      FRAME_SIZE_ERROR,
    ],
    ['PRIORITY of 4 bytes', frame(PRIORITY, 0, 1, bytes(0, 0, 0, 0)), FRAME_SIZE_ERROR],
    ['PRIORITY on stream 0', frame(PRIORITY, 0, 0, bytes(0, 0, 0, 0, 0)), PROTOCOL_ERROR],
    ['RST_STREAM of 3 bytes', frame(RST_STREAM, 0, 1, bytes(0, 0, 0)), FRAME_SIZE_ERROR],
    ['RST_STREAM on stream 0', rstStreamFrame(0, 8), PROTOCOL_ERROR],
    ['SETTINGS on a stream', frame(SETTINGS, 0, 1), PROTOCOL_ERROR],
    ['SETTINGS of 5 bytes', frame(SETTINGS, 0, 0, bytes(0, 3, 0, 0, 0)), FRAME_SIZE_ERROR],
    ['a SETTINGS ACK with a payload', frame(SETTINGS, FLAG_ACK, 0, bytes(0, 3, 0, 0, 0, 1)), FRAME_SIZE_ERROR],
    ['PING of 7 bytes', frame(PING, 0, 0, Buffer.alloc(7)), FRAME_SIZE_ERROR],
    ['PING on a stream', frame(PING, 0, 1, Buffer.alloc(8)), PROTOCOL_ERROR],
    ['GOAWAY of 7 bytes', frame(GOAWAY, 0, 0, Buffer.alloc(7)), FRAME_SIZE_ERROR],
    ['GOAWAY on a stream', frame(GOAWAY, 0, 3, Buffer.alloc(8)), PROTOCOL_ERROR],
    ['WINDOW_UPDATE of 3 bytes', frame(WINDOW_UPDATE, 0, 0, bytes(0, 0, 1)), FRAME_SIZE_ERROR],
    ['WINDOW_UPDATE of 0 on the connection', windowUpdateFrame(0, 0), PROTOCOL_ERROR],
    ['PUSH_PROMISE on stream 0', frame(PUSH_PROMISE, FLAG_END_HEADERS, 0, bytes(0, 0, 0, 2)), PROTOCOL_ERROR],
    ['CONTINUATION with no field block open', frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x88)), PROTOCOL_ERROR],
    [
      'a frame between HEADERS and its CONTINUATION',
      Buffer.concat([frame(HEADERS, 0, 1, bytes(0x88)), frame(PING, 0, 0, Buffer.alloc(8))]),
      PROTOCOL_ERROR,
    ],
    [
      'an unknown frame type between HEADERS and its CONTINUATION',
      Buffer.concat([frame(HEADERS, 0, 1, bytes(0x88)), frame(0x42, 0, 0)]),
      PROTOCOL_ERROR,
    ],
    [
      'CONTINUATION on another stream',
      Buffer.concat([frame(HEADERS, 0, 1, bytes(0x88)), frame(CONTINUATION, FLAG_END_HEADERS, 3, bytes(0x88))]),
      PROTOCOL_ERROR,
    ],
    [
      'a second CONTINUATION after END_HEADERS',
      Buffer.concat([
        frame(HEADERS, 0, 1, bytes(0x88)),
        frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x88)),
        frame(CONTINUATION, FLAG_END_HEADERS, 1, bytes(0x88)),
      ]),
      PROTOCOL_ERROR,
    ],
  ];

  for (const [what, wire, code] of errorCases) {
    it(`${what}: connection error ${code}`, () => {
      const { handler } = recorder();
      let caught: unknown;
      try {
        new FrameReader(handler).execute(wire);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(H2Error);
      expect((caught as H2Error).h2Code).toBe(code);
      expect((caught as H2Error).message).not.toContain('\n');
    });
  }

  it('refuses an oversized frame from its header alone, before buffering its payload', () => {
    const { handler } = recorder();
    const reader = new FrameReader(handler);
    const head = frame(DATA, 0, 1).subarray(0, 9);
    head.writeUIntBE(0xffffff, 0, 3);
    expect(() => reader.execute(head.subarray(0, 9))).toThrow(H2Error);
  });

  it('a WINDOW_UPDATE of 0 on a stream is the session’s (a stream error there)', () => {
    const { handler, log } = recorder();
    new FrameReader(handler).execute(windowUpdateFrame(1, 0));
    expect(log).toEqual(['WU 1 0']);
  });

  it('stops reading when told to, mid-chunk', () => {
    const log: string[] = [];
    const { handler } = recorder();
    const reader = new FrameReader({
      ...handler,
      onPing: () => {
        log.push('ping');
        reader.stop();
      },
    });
    reader.execute(Buffer.concat([frame(PING, 0, 0, Buffer.alloc(8)), frame(PING, 0, 0, Buffer.alloc(8))]));
    expect(log).toEqual(['ping']);
  });

  it('FLOW_CONTROL_ERROR is exported for the session (RFC 9113 §7 code 3)', () => {
    expect(FLOW_CONTROL_ERROR).toBe(3);
  });
});

describe('frame writers', () => {
  it('splits a field block into HEADERS + CONTINUATION at the peer’s max frame size', () => {
    const block = Buffer.alloc(40_000, 7);
    const wire = headersFrames(3, block, true, 16_384);
    const { handler, log } = recorder();
    new FrameReader(handler).execute(wire);
    expect(log.map((l) => l.replace(/ [0-9a-f]{20,} /, ' … '))).toEqual([
      'HEADERS 3 … end=true eh=false',
      'CONT 3 … eh=false',
      'CONT 3 … eh=true',
    ]);
    expect(wire.length).toBe(40_000 + 3 * 9);
  });

  it('a small block is one HEADERS frame with END_HEADERS', () => {
    const wire = headersFrames(1, bytes(0x82, 0x84), false, 16_384);
    expect(wire.toString('hex')).toBe(`000002${'01'}${'04'}00000001${'8284'}`);
  });

  it('writes DATA, SETTINGS, PING ACK, WINDOW_UPDATE, RST_STREAM and GOAWAY as RFC 9113 §6 lays them out', () => {
    expect(dataFrame(5, Buffer.from('xabcx'), 1, 4, true).toString('hex')).toBe('000003000100000005616263');
    expect(settingsFrame([2, 0, 4, 1 << 20]).toString('hex')).toBe('00000c040000000000000200000000000400100000');
    const ping = Buffer.from('..12345678');
    expect(pingAck(ping, 2).toString('hex')).toBe(`000008060100000000${Buffer.from('12345678').toString('hex')}`);
    expect(windowUpdateFrame(0, 0x10000).toString('hex')).toBe('00000408000000000000010000');
    expect(rstStreamFrame(7, 8).toString('hex')).toBe('00000403000000000700000008');
    expect(goawayFrame(0, 1).toString('hex')).toBe('0000080700000000000000000000000001');
  });

  it('what the writers build, the reader reads back', () => {
    const { handler, log } = recorder();
    new FrameReader(handler).execute(
      Buffer.concat([
        settingsFrame([1, 4096]),
        headersFrames(1, bytes(1, 2, 3), false, 2),
        dataFrame(1, Buffer.from('abc'), 0, 3, true),
        windowUpdateFrame(1, 9),
        rstStreamFrame(1, 8),
        goawayFrame(1, 0),
      ]),
    );
    expect(log).toEqual([
      'SETTINGS false 1,4096',
      'HEADERS 1 0102 end=false eh=false',
      'CONT 1 03 eh=true',
      'DATA 1 616263 end=true flow=3',
      'WU 1 9',
      'RST 1 8',
      'GOAWAY 1 0 ',
    ]);
  });
});

describe('the server preface (RFC 9113 §3.4)', () => {
  it('with `preface`, a first frame other than SETTINGS is a PROTOCOL_ERROR', () => {
    const { handler } = recorder();
    let caught: unknown;
    try {
      new FrameReader(handler, 16_384, true).execute(frame(PING, 0, 0, Buffer.alloc(8)));
    } catch (err) {
      caught = err;
    }
    expect((caught as H2Error).h2Code).toBe(PROTOCOL_ERROR);
  });

  it('with `preface`, SETTINGS first and anything after it', () => {
    const { handler, log } = recorder();
    new FrameReader(handler, 16_384, true).execute(
      Buffer.concat([settingsFrame([]), frame(PING, 0, 0, Buffer.alloc(8))]),
    );
    expect(log).toEqual(['SETTINGS false ', 'PING false 0000000000000000']);
  });
});
