import { checkJson } from './json-path.js';
import { linearTest } from './regex.js';
import type { Expectation } from './types.js';

/**
 * The body held in memory for `expect.json` and `expect.bodyMatches`, up to a limit
 * (`maxBodyBuffer`): past it the copy is dropped at once, and the checks report that they could
 * not look, rather than memory growing with whatever a server sends.
 */
export class BodyBuffer {
  over = false;
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly limit: number) {}

  /** Copies `chunk`: callers may hand in a view of a read buffer that is reused. */
  push(chunk: Buffer): void {
    if (this.over) return;
    this.size += chunk.length;
    if (this.size > this.limit) {
      this.over = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(Buffer.from(chunk));
  }

  text(): string {
    const text = Buffer.concat(this.chunks, this.size).toString('utf8');
    // A UTF-8 byte order mark is not part of the text (RFC 8259 §8.1 lets a parser ignore it).
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

/** Whether `expect` needs the body in memory. */
export function needsBody(expect: Expectation): boolean {
  return expect.json !== undefined || expect.bodyMatches !== undefined;
}

/**
 * The content checks' failures, in order: `body over 1 MiB, not checked` once when the body did
 * not fit; `body is not JSON` once (then no path is looked at); one line per JSONPath that did
 * not hold; `body does not match /re/`.
 */
export function checkContent(expect: Expectation, buffer: BodyBuffer): string[] {
  if (buffer.over) return [`body over ${formatLimit(buffer.limit)}, not checked`];
  const failures: string[] = [];
  const text = buffer.text();
  if (expect.json !== undefined) {
    let doc: unknown;
    let parsed = true;
    try {
      doc = JSON.parse(text);
    } catch {
      parsed = false;
      failures.push('body is not JSON');
    }
    if (parsed) {
      for (const check of expect.json) {
        const failure = checkJson(check, doc);
        if (failure !== null) failures.push(failure);
      }
    }
  }
  if (expect.bodyMatches !== undefined) {
    if (!linearTest(expect.bodyMatches, text)) failures.push(`body does not match ${expect.bodyMatches}`);
  }
  return failures;
}

/** `1 MiB`, `512 KiB`, `1000 bytes`: the limit as the user would say it. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
