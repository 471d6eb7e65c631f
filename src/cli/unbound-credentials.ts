import { originKey } from '../targets/origin.js';
import type { HeaderList, PreparedTarget } from '../types.js';

/** A credential given for every target: `-H Authorization|Cookie|Proxy-Authorization`, or `-u`. */
export interface UnboundCredential {
  /** As the user gave it: `-H Authorization`, `-u`. */
  flag: string;
  /** Lower-case header name, and the value as sent. */
  name: string;
  value: string;
  /** How to bind it instead: `--header-for ORIGIN 'Authorization: …'`. */
  instead: string;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** The credentials among the run-wide headers (`-u` made its Authorization already). */
export function unboundCredentials(headers: HeaderList, fromUser: boolean): UnboundCredential[] {
  const out: UnboundCredential[] = [];
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (!CREDENTIAL_HEADERS.has(lower)) continue;
    const user = fromUser && lower === 'authorization';
    out.push({
      flag: user ? '-u' : `-H ${name}`,
      name: lower,
      value,
      instead: user ? '--user-for ORIGIN user:password' : `--header-for ORIGIN '${name}: …'`,
    });
  }
  return out;
}

/** Origins counted at most: a list of a million hosts needs no exact number past this. */
const MAX_COUNTED = 100_000;

/**
 * Counts the origins each unbound credential goes to, as the targets are handed to the engine,
 * to warn when one went to several. A target whose own header, or whose origin's bound header,
 * replaced it does not count; redirect hops do not either, since these headers are dropped on a
 * cross-origin hop.
 * {@link warnings} is read once, at the end of the run: the count is then of every origin.
 */
export class CredentialSpread {
  private readonly origins: Array<Set<string>>;

  constructor(private readonly credentials: readonly UnboundCredential[]) {
    this.origins = credentials.map(() => new Set());
  }

  get active(): boolean {
    return this.credentials.length > 0;
  }

  see(target: PreparedTarget): void {
    if (!('url' in target)) return;
    let key: string | undefined;
    this.credentials.forEach((c, i) => {
      const seen = this.origins[i];
      if (seen === undefined || seen.size >= MAX_COUNTED) return;
      if (!target.headers.some(([n, v]) => v === c.value && n.toLowerCase() === c.name)) return;
      key ??= originKey(target);
      seen.add(key);
    });
  }

  /** One line per credential that went to more than one origin. */
  warnings(): string[] {
    const out: string[] = [];
    this.credentials.forEach((c, i) => {
      const n = this.origins[i]?.size ?? 0;
      if (n < 2) return;
      const count = n >= MAX_COUNTED ? `${MAX_COUNTED} or more` : String(n);
      out.push(
        `${c.flag} was sent to ${count} origins (every target's); to send it to one origin only, use ${c.instead}`,
      );
    });
    return out;
  }
}
