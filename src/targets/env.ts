import { UsageError } from '../errors.js';
import { isPlainObject, quote } from '../describe.js';

/**
 * `${env:NAME}` in a target file: every string value of a target — URL, header
 * values, body, name, expectations — and of a JSON document's `defaults` is resolved when the
 * file is read, from the environment. A variable that is unset or empty is a usage error naming
 * the target, the field and the variable: in CI an unset secret is usually an empty one (GitHub
 * Actions passes a missing secret as ""), and sending `Bearer ` would only fail later, less
 * clearly. `$${env:NAME}` is the literal text `${env:NAME}`. Only values are resolved, never
 * object keys (header names, JSONPaths).
 *
 * The values read are secrets: each goes into {@link EnvLookup.secrets}, which the CLI's reports
 * and messages mask as `***`. Strings are scanned once with `indexOf` (no regular expression):
 * linear in their length, so a large body costs one pass.
 */
export interface EnvLookup {
  /** Where names are looked up (the CLI: the process environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Every value read, added as it is read. */
  readonly secrets: Set<string>;
}

/** A `${env:…}` that cannot be resolved: a usage error, before the target is requested. */
export class EnvVariableError extends UsageError {
  override readonly name = 'EnvVariableError';
}

const OPEN = '${env:';

/**
 * Whether JSON text may hold a `${env:` once parsed: it does as written, or it has a `\u` escape
 * (which could spell any of its characters; no other JSON escape makes `$`, `{`, letters or `:`).
 * Lets a list without any skip the walk over each parsed target (~0.8 µs a target).
 */
export function jsonMayReferToEnv(text: string): boolean {
  return text.includes(OPEN) || text.includes('\\u');
}
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `value` with every `${env:NAME}` in its strings resolved; the same object when there was none
 * (nothing is copied then). `where` names the target (`targets.json: target 3`, `list.txt line 4`).
 * @throws EnvVariableError
 */
export function resolveEnv(value: unknown, lookup: EnvLookup, where: string): unknown {
  return walk(value, lookup, where, '');
}

function walk(value: unknown, lookup: EnvLookup, where: string, path: string): unknown {
  if (typeof value === 'string') return resolveString(value, lookup, where, path);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as unknown;
      const resolved = walk(item, lookup, where, `${path}[${i}]`);
      if (resolved !== item && out === null) out = value.slice(0, i);
      out?.push(resolved);
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | null = null;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = value[key];
      const resolved = walk(item, lookup, where, path + segment(key, path === ''));
      if (resolved !== item && out === null) {
        out = {};
        for (let k = 0; k < i; k++) out[keys[k] as string] = value[keys[k] as string];
      }
      if (out !== null) out[key] = resolved;
    }
    return out ?? value;
  }
  return value;
}

/** `.key`, or `["key"]` for a key that is not a plain word (an origin, a header with odd characters). */
function segment(key: string, first: boolean): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return first ? key : `.${key}`;
  return `[${JSON.stringify(key)}]`;
}

function resolveString(text: string, lookup: EnvLookup, where: string, path: string): string {
  let at = text.indexOf(OPEN);
  if (at === -1) return text;
  const field = path === '' ? 'the URL' : `field ${path}`;
  let out = '';
  let from = 0;
  while (at !== -1) {
    if (at > from && text.charCodeAt(at - 1) === 0x24 /* $ */) {
      // `$${env:` — the escape for a literal `${env:`.
      out += `${text.slice(from, at - 1)}${OPEN}`;
      from = at + OPEN.length;
      at = text.indexOf(OPEN, from);
      continue;
    }
    const close = text.indexOf('}', at + OPEN.length);
    if (close === -1) {
      throw new EnvVariableError(
        `${where}: ${field}: "\${env:" without a closing "}" (write $\${env: for the literal text)`,
      );
    }
    const name = text.slice(at + OPEN.length, close);
    if (!NAME.test(name)) {
      throw new EnvVariableError(
        `${where}: ${field}: ${quote(name)} is not an environment variable name (in \${env:NAME}: letters, digits, _)`,
      );
    }
    const found = lookup.env[name];
    if (found === undefined || found === '') {
      throw new EnvVariableError(
        `${where}: ${field}: environment variable ${name} is ${found === undefined ? 'not set' : 'empty'} (\${env:${name}})`,
      );
    }
    lookup.secrets.add(found);
    out += text.slice(from, at) + found;
    from = close + 1;
    at = text.indexOf(OPEN, from);
  }
  return out + text.slice(from);
}
