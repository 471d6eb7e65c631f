import type { LookupAddress } from 'node:dns';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';

/** Where getaddrinfo's "files" source reads (nsswitch's usual first source). */
export const HOSTS_PATH = '/etc/hosts';

const LOOPBACK: readonly LookupAddress[] = Object.freeze([
  { address: '::1', family: 6 },
  { address: '127.0.0.1', family: 4 },
]);

/**
 * The hosts file, read once per run: name → its addresses, in file order (as glibc returns them).
 * Names are matched case-insensitively, without a trailing dot.
 */
export class HostsFile {
  private constructor(private readonly names: ReadonlyMap<string, readonly LookupAddress[]>) {}

  /** Parses the file's text: `address name [alias…]` per line, `#` starts a comment. */
  static parse(text: string): HostsFile {
    const names = new Map<string, LookupAddress[]>();
    for (const rawLine of text.split('\n')) {
      const hash = rawLine.indexOf('#');
      const fields = (hash === -1 ? rawLine : rawLine.slice(0, hash)).trim().split(/\s+/);
      const [rawAddress, ...hostnames] = fields;
      if (rawAddress === undefined || hostnames.length === 0) continue;
      const address = rawAddress;
      const family = isIP(address);
      if (family === 0) continue;
      for (const raw of hostnames) {
        const name = normalizeName(raw);
        let list = names.get(name);
        if (list === undefined) {
          list = [];
          names.set(name, list);
        }
        if (!list.some((a) => a.address === address)) list.push({ address, family });
      }
    }
    return new HostsFile(names);
  }

  /** Reads `path`; a missing or unreadable file is an empty one (as for getaddrinfo). */
  static load(path: string = HOSTS_PATH): HostsFile {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return new HostsFile(new Map());
    }
    return HostsFile.parse(text);
  }

  /**
   * The addresses for `hostname` without asking DNS, or undefined to ask it. RFC 6761 §6.3:
   * `localhost` and names under `.localhost` are loopback even when the file does not say so;
   * the file's own entry wins when it has one.
   */
  lookup(hostname: string): readonly LookupAddress[] | undefined {
    const name = normalizeName(hostname);
    const listed = this.names.get(name);
    if (listed !== undefined) return listed;
    if (name === 'localhost' || name.endsWith('.localhost')) return LOOPBACK;
    return undefined;
  }
}

function normalizeName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}
