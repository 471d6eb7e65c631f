import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { quote } from '../describe.js';
import { cannotRead } from '../targets/read/sources.js';

/** Reads a PEM file named by a flag (--cacert, --cert, --key) now, so a bad path fails before any request. */
export function readPemFile(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw cannotRead(path, err, flag);
  }
  if (!text.includes('-----BEGIN ')) throw new UsageError(`${flag}: ${quote(path)} holds no PEM block (-----BEGIN …)`);
  return text;
}
