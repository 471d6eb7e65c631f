import type { HashAlgorithm } from '../types.js';
import { shown, type ValueReader } from './values.js';

/** Readers for the body options (`outputDir`, `outputTemplate`, `hash`); see docs/bodies.md. */

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];

/** A directory path: any non-empty string without control characters (it is shown in messages). */
export const directory: ValueReader<string> = (value) => {
  if (typeof value !== 'string' || value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new Error(`must be a directory path, got ${shown(value)}`);
  }
  return value;
};

/** Placeholders of `outputTemplate` (the engine's bodies/save-path.ts expands them). */
const PLACEHOLDERS = new Set(['index', 'host', 'path', 'name', 'status', 'ext']);

/**
 * Checks a template once, at the boundary.
 * @throws Error naming an unknown placeholder, or a template that names no file
 */
function checkTemplate(template: string): void {
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    if (!PLACEHOLDERS.has(m[1]!)) {
      throw new Error(`unknown placeholder {${m[1]}} (use {index}, {host}, {path}, {name}, {status}, {ext})`);
    }
  }
  if (template.split('/').every((c) => c.trim() === '')) throw new Error('the template names no file');
}

/** An output template: only the known placeholders, and at least one component. */
export const outputTemplate: ValueReader<string> = (value) => {
  if (typeof value !== 'string' || value.trim() === '')
    throw new Error(`must be a template like "{host}/{path}", got ${shown(value)}`);
  checkTemplate(value);
  return value;
};

export const hashAlgorithm: ValueReader<HashAlgorithm> = (value) => {
  const alg = typeof value === 'string' ? value.toLowerCase() : value;
  if (!HASH_ALGORITHMS.includes(alg as HashAlgorithm)) {
    throw new Error(`must be one of ${HASH_ALGORITHMS.join(', ')}, got ${shown(value)}`);
  }
  return alg as HashAlgorithm;
};
