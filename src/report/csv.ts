import type { Result } from '../types.js';
import { escapeTextControls } from '../controls.js';
import type { Output } from './output.js';
import { ReorderBuffer } from './reorder.js';
import type { Reporter } from './reporter.js';
import type { Summary } from './summary.js';

export const CSV_COLUMNS = [
  'index',
  'input',
  'name',
  'url',
  'method',
  'status',
  'ok',
  'bytes',
  'dns',
  'connect',
  'tls',
  'firstByte',
  'total',
  'reused',
  'error_code',
  'error_phase',
  'error_message',
  'failures',
  'attempts',
  'redirects',
  'final_url',
  'remote_address',
  'tls_protocol',
  'cert_days_left',
  'decoded_bytes',
  'saved_to',
  // All three digest columns, whichever --hash chose (empty otherwise): the column set never
  // depends on flags, so a script reading columns by position keeps working.
  'sha256',
  'sha1',
  'md5',
  // Added after the digests, last, so that earlier columns keep their positions.
  'http_version',
  // Comparison with earlier runs: empty without --baseline / --cache.
  'change',
  'cached',
] as const;

/** RFC 4180 §2.1: each record ends with CRLF. A CR or LF inside a quoted field is data, kept as sent. */
const EOL = '\r\n';

/**
 * CSV: a header row, then one row per result in input order (the same reorder buffer as the
 * JSON reporter, so memory stays bounded when completion follows input order).
 *
 * Empty field = null (no status, a phase that did not happen, no error). `failures` are joined
 * with "; ". Values are written as received: no spreadsheet-formula neutralising (a leading `=`
 * stays), because rewriting data would make the file lie to every tool that is not a spreadsheet.
 * The one exception is control characters other than TAB, CR and LF: CSV has no escape syntax,
 * and raw they would act on the terminal of whoever views the file, so they are written as the
 * text `\u009b` (see controls.ts).
 */
export function createCsvReporter(out: Output): Reporter {
  let headerDone = false;
  const header = (): void => {
    if (!headerDone) {
      headerDone = true;
      out.write(CSV_COLUMNS.join(',') + EOL);
    }
  };
  const buffer = new ReorderBuffer<string>((row) => {
    header();
    out.write(row);
  });
  let ended = false;

  return {
    result(r: Result): void {
      if (!ended) buffer.push(r.index, csvRow(r));
    },
    gone(r: Result): void {
      if (ended) return;
      buffer.finish();
      header();
      out.write(csvRow(r));
    },
    end(_summary: Summary): Promise<void> {
      if (!ended) {
        ended = true;
        buffer.finish();
        header();
      }
      return out.flush();
    },
  };
}

/** One record, CRLF included. */
export function csvRow(r: Result): string {
  const t = r.timings;
  const e = r.error;
  return (
    [
      num(r.index),
      field(r.input),
      field(r.name ?? ''),
      field(r.url ?? ''),
      field(r.method),
      num(r.status),
      r.ok ? 'true' : 'false',
      num(r.bytes),
      num(t.dns),
      num(t.connect),
      num(t.tls),
      num(t.firstByte),
      num(t.total),
      r.reused ? 'true' : 'false',
      e === null ? '' : e.code,
      e?.phase ?? '',
      field(e?.message ?? ''),
      field(r.failures.join('; ')),
      num(r.attempts),
      field(r.redirects.map((h) => `${h.status} ${h.url}`).join('; ')),
      field(r.finalUrl ?? ''),
      field(r.remoteAddress ?? ''),
      field(r.tls?.protocol ?? ''),
      num(r.tls?.daysLeft ?? null),
      num(r.decodedBytes),
      field(r.savedTo ?? ''),
      r.sha256 ?? '',
      r.sha1 ?? '',
      r.md5 ?? '',
      r.httpVersion ?? '',
      r.change ?? '',
      r.cached === true ? 'true' : '',
    ].join(',') + EOL
  );
}

/** RFC 4180 §2.6–2.7: quote a field holding a comma, quote, CR or LF; double inner quotes. */
function field(raw: string): string {
  const s = escapeTextControls(raw);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function num(n: number | null): string {
  return n === null || !Number.isFinite(n) ? '' : String(n);
}
