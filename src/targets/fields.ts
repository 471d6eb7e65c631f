import type { HeaderList } from '../types.js';
import { describeValue, isPlainObject, quote } from '../describe.js';
import { checkBudget, parseDuration } from '../duration.js';
import { isToken, requestHeaderError, trimOws, validateHeaderName, validateHeaderValue } from '../header.js';

/**
 * Readers for the fields of a target object (and of a file's `defaults`): each checks the type,
 * normalizes, and throws an Error naming the field.
 */

// RFC 9110 §9.1: methods are case-sensitive, so only the standard ones are upper-cased (`get` is
// surely a typo for GET); an extension method keeps the case the user gave.
const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** The method as it will be sent, or null when it is not a token. */
export function normalizeMethod(method: string): string | null {
  if (method === 'GET') return method;
  if (!isToken(method)) return null;
  const upper = method.toUpperCase();
  return STANDARD_METHODS.has(upper) ? upper : method;
}

export const EMPTY_HEADERS: HeaderList = Object.freeze([]);

export function readPort(port: unknown): number | undefined {
  if (port === undefined) return undefined;
  let value: number;
  if (typeof port === 'number') value = port;
  else if (typeof port === 'string' && /^\d+$/.test(port)) value = Number(port);
  else throw new Error(`field "port" must be a number, got ${describeValue(port)}`);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`field "port" must be an integer from 1 to 65535, got ${String(port)}`);
  }
  return value;
}

export function readName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string') throw new Error(`field "name" must be a string, got ${describeValue(name)}`);
  // Names are printed one per line in every report format; a line break would forge a row.
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new Error(`field "name" contains a control character`);
  return name;
}

export function readMethod(method: unknown, field = 'method'): string {
  if (typeof method !== 'string') throw new Error(`field "${field}" must be a string, got ${describeValue(method)}`);
  const normalized = normalizeMethod(method);
  if (normalized === null)
    throw new Error(`field "${field}": ${quote(method)} is not a valid method token (RFC 9110 §9.1)`);
  return normalized;
}

export function readHeaders(headers: unknown, field = 'headers'): HeaderList {
  if (!isPlainObject(headers)) {
    throw new Error(`field "${field}" must be an object of name → value, got ${describeValue(headers)}`);
  }
  const list: Array<readonly [string, string]> = [];
  for (const [name, raw] of Object.entries(headers)) {
    if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isFinite(raw))) {
      throw new Error(
        `field "${field}": value of ${quote(name)} must be a string or number, got ${describeValue(raw)}`,
      );
    }
    list.push(checkHeader(name, trimOws(String(raw)), field));
  }
  return list;
}

export function checkHeader(name: string, value: string, field: string): readonly [string, string] {
  const problem = validateHeaderName(name) ?? requestHeaderError(name) ?? validateHeaderValue(value);
  if (problem !== null) throw new Error(`field "${field}": ${problem}`);
  return [name, value];
}

export function readBody(obj: Record<string, unknown>): Buffer | null {
  const { body, data } = obj;
  if (body !== undefined && data !== undefined) throw new Error('give "body" or "data" (an alias), not both');
  const field = body === undefined ? 'data' : 'body';
  const value = body ?? data;
  if (value === undefined) return null;
  if (typeof value !== 'string') throw new Error(`field "${field}" must be a string, got ${describeValue(value)}`);
  return Buffer.from(value, 'utf8');
}

export function readTimeout(value: unknown, field: string): number {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new Error(
      `field "${field}" must be a duration like "2s" or a number of milliseconds, got ${describeValue(value)}`,
    );
  }
  return withField(field, () => checkBudget(value, parseDuration(value)));
}

export function withField<T>(field: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new Error(`field "${field}": ${(err as Error).message}`, { cause: err });
  }
}

/** Lower layer first; a name present in `higher` (any case) drops every entry of it in `lower`. */
export function mergeHeaders(lower: HeaderList, higher: HeaderList): HeaderList {
  if (higher.length === 0) return lower;
  if (lower.length === 0) return higher;
  const names = new Set(higher.map(([n]) => n.toLowerCase()));
  return [...lower.filter(([n]) => !names.has(n.toLowerCase())), ...higher];
}
