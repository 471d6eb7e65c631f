import { UsageError } from '../errors.js';

/**
 * Flags that take two words, `--header-for ORIGIN 'Name: value'` and `--user-for ORIGIN
 * user:pass`. Commander gives an option one value, so before it parses, each such
 * flag and its two words become the flag and one value, the words joined by {@link PAIR_SEPARATOR}
 * (a NUL, which no command-line argument can hold). `--header-for=ORIGIN VALUE` works too.
 * Nothing after `--` is touched.
 */
export const PAIR_FLAGS: ReadonlyMap<string, string> = new Map([
  ['--header-for', "ORIGIN and a header 'Name: value'"],
  ['--user-for', 'ORIGIN and user:password'],
]);

export const PAIR_SEPARATOR = '\u0000';

/** @throws UsageError when such a flag lacks its words. */
export function joinPairFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const eq = word.indexOf('=');
    const flag = eq === -1 ? word : word.slice(0, eq);
    const needs = PAIR_FLAGS.get(flag);
    if (needs === undefined) {
      out.push(word);
      continue;
    }
    const first = eq === -1 ? argv[++i] : word.slice(eq + 1);
    const second = argv[++i];
    if (first === undefined || second === undefined) throw new UsageError(`${flag} needs two words: ${needs}`);
    out.push(flag, `${first}${PAIR_SEPARATOR}${second}`);
  }
  return out;
}

/** The two words of a joined value. */
export function splitPair(value: string): [string, string] {
  const at = value.indexOf(PAIR_SEPARATOR);
  return at === -1 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
}
