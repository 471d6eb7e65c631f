import type { HeaderPair, Result } from '../types.js';
import type { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import { sanitize } from './sanitize.js';
import type { Summary } from './summary.js';

/**
 * The heads a run kept: `-i` prints the response's header fields under each table row,
 * `-v` prints each target's request and response heads on stderr, as curl -v does (`>` sent,
 * `<` received, `*` about the exchange). Both in input order; every name and value goes through
 * {@link sanitize}, so nothing a server sends reaches the terminal as a control character; the
 * values of credential headers were already made `***` by the redactor (redact.ts).
 */

/** Columns before a header line under a table row: the `#` column and its gap. */
const INDENT = '     ';

/** `-i` in the table: one line per response header field, under the row, at most `width` columns. */
export function includedHeadLines(r: Result, width: number): string {
  const pairs = r.responseHeaders;
  if (pairs === undefined || pairs.length === 0) return '';
  let out = '';
  for (const [name, value] of pairs) out += `${sanitize(`${INDENT}${name}: ${value}`, width)}\n`;
  return out;
}

/** `-v`: the heads of one result, as lines (newline included). */
export function verboseLines(r: Result): string {
  let out = `* #${r.index + 1} ${sanitize(r.name ?? r.finalUrl ?? r.url ?? r.input)}\n`;
  const request = r.requestHeaders ?? [];
  if (request.length > 0) {
    const h2 = request.some(([name]) => name === ':method');
    const method = h2 ? (field(request, ':method') ?? r.method) : lastMethod(r);
    const path = h2 ? (field(request, ':path') ?? '/') : pathOf(r.finalUrl ?? r.url);
    out += `> ${sanitize(`${method} ${path} ${h2 ? 'HTTP/2' : 'HTTP/1.1'}`)}\n`;
    for (const [name, value] of request) {
      if (name === ':method' || name === ':path') continue;
      out += `> ${sanitize(`${name}: ${value}`)}\n`;
    }
    out += '>\n';
  }
  if (r.status !== null) {
    out += `< HTTP/${r.httpVersion ?? '1.1'} ${r.status}\n`;
    for (const [name, value] of r.responseHeaders ?? []) out += `< ${sanitize(`${name}: ${value}`)}\n`;
    out += '<\n';
  }
  if (r.error !== null) out += `* ${sanitize(`${r.error.code}: ${r.error.message}`)}\n`;
  return out;
}

/** The `-v` reporter; `release` is there when it follows another reporter's rows. */
export interface VerboseReporter extends Reporter {
  /** Writes the heads of target `index` now (the table has just written its row). */
  release(index: number): void;
}

/**
 * The `-v` reporter: each result's heads on `out` (stderr), in input order. `afterRows`: another
 * reporter (the table) writes each target's row and then calls `release(index)`, so the heads
 * follow their row even when the table holds rows back (its sizing window); without it the heads
 * are written in input order as results come.
 */
export function createVerboseReporter(out: Output, opts: { afterRows?: boolean } = {}): VerboseReporter {
  // On a terminal, handed over at once, as the table's rows are: the heads then follow the rows
  // the same result released, instead of waiting for a later batch.
  // (The table's own test: a terminal with a size.)
  const immediate = out.columns !== undefined;
  const write = (text: string): void => {
    out.write(text);
    if (immediate) void out.flush().catch(() => undefined);
  };
  const held = new Map<number, string>();
  const buffer = new ReorderBuffer<string>(write);
  return {
    result(r: Result): void {
      if (opts.afterRows === true) held.set(r.index, verboseLines(r));
      else buffer.push(r.index, verboseLines(r));
    },
    release(index: number): void {
      const text = held.get(index);
      if (text === undefined) return;
      held.delete(index);
      write(text);
    },
    async end(_summary: Summary): Promise<void> {
      buffer.finish();
      // Rows the table never released (it stopped early): their heads still come, in order.
      for (const index of [...held.keys()].sort((a, b) => a - b)) this.release(index);
      await out.flush();
    },
  };
}

function field(pairs: readonly HeaderPair[], name: string): string | undefined {
  for (const [n, v] of pairs) if (n === name) return v;
  return undefined;
}

/** The method of the last request: a 303 (and, as browsers do, a 301/302 after POST) turns it into GET. */
function lastMethod(r: Result): string {
  let method = r.method;
  for (const hop of r.redirects) {
    if (hop.status === 303 && method !== 'HEAD') method = 'GET';
    else if ((hop.status === 301 || hop.status === 302) && method === 'POST') method = 'GET';
  }
  return method;
}

function pathOf(url: string | null): string {
  if (url === null) return '/';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}
