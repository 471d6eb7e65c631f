import { createHash } from 'node:crypto';
import type { Target } from '../../types.js';

/**
 * File names for saved bodies (`outputDir`): pure string work, no disk. The rule, documented in
 * docs/bodies.md:
 *
 * - default layout `{host}/{path}`: the host (with `_port` when the port is not the scheme's
 *   default), then the URL path as directories and a file; a path ending in `/` gets `index.html`;
 * - each path segment is percent-decoded, then every character that is unsafe in a file name is
 *   percent-encoded again: C0/C1 controls, DEL, `/ \ : * ? " < > |`, `%` of an invalid escape
 *   stays as is, and the Unicode controls that reorder or hide text (bidi, line separators);
 * - a segment `.` or `..` (also from `%2e%2e`) becomes `%2E` / `%2E%2E`: nothing climbs out;
 *   empty segments (`//`) are dropped;
 * - the query is kept after `@`, before the extension: `/report.pdf?v=2` → `report@v=2.pdf`;
 * - a component longer than {@link MAX_COMPONENT_BYTES} bytes is cut at a character boundary and
 *   ends in `~` and 8 hex digits of its full text's SHA-1, so cut names stay distinct;
 * - a name already taken in this run (ignoring case, so case-insensitive disks are safe too), a
 *   file where a directory of another name must be, or the reverse, gets `~<index>` (the
 *   target's 0-based index) before its extension — decided in input order, so the same list
 *   always gives the same names, whatever order responses complete in.
 */

/** Room left under the usual 255-byte limit for a collision suffix (`~<index>-<n>`). */
export const MAX_COMPONENT_BYTES = 200;

export const DEFAULT_TEMPLATE = '{host}/{path}';

/** Stands for the status in a claimed name (known only when the response head arrives); never in a safe component. */
export const STATUS_MARK = '\u0001';

/** Temp files are `.fetch-many-*.tmp`; a name that would look like one is changed so it never clashes. */
const TEMP_PREFIX = '.fetch-many-';

/**
 * Percent-encodes what must not be in one file name component: a separator, a control
 * character, a character Windows or shells treat specially, or a Unicode format character that
 * could make a name display as something it is not.
 */
export function safeComponent(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f/\\:*?"<>|\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) =>
    encodeChar(c),
  );
}

function encodeChar(c: string): string {
  let out = '';
  for (const b of Buffer.from(c, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * A safe component (see {@link safeComponent}) made one that stays inside its directory: never
 * `.`, `..` or a temp-file look-alike.
 */
function finalComponent(safe: string): string {
  let s = safe;
  if (s === '.' || s === '..') s = s.replace(/\./g, '%2E');
  if (s.startsWith(TEMP_PREFIX)) s = `%2E${s.slice(1)}`;
  return s;
}

/** Percent-decodes one URL segment; a segment that is not valid UTF-8 percent-encoding stays as it came. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** `.pdf` of `report.pdf`; empty when there is none (a dot-file like `.env` has none either). */
function extensionOf(file: string): string {
  const m = /(?<=[^.])\.[A-Za-z0-9]{1,10}$/.exec(file);
  return m === null ? '' : m[0];
}

/** Cuts `base` so `base + ext` fits {@link MAX_COMPONENT_BYTES}, marking the cut with a hash of the whole. */
export function fitComponent(base: string, ext: string): string {
  if (Buffer.byteLength(base + ext, 'utf8') <= MAX_COMPONENT_BYTES) return base + ext;
  const hash = createHash('sha1')
    .update(base + ext)
    .digest('hex')
    .slice(0, 8);
  const room = MAX_COMPONENT_BYTES - Buffer.byteLength(ext, 'utf8') - hash.length - 1;
  let cut = '';
  let bytes = 0;
  for (const ch of base) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > room) break;
    cut += ch;
    bytes += n;
  }
  // A cut inside a %XX escape would leave a stray `%`: drop the broken escape.
  cut = cut.replace(/%[0-9A-F]?$/, '');
  return `${cut}~${hash}${ext}`;
}

/** One component from raw text: encoded, fitted, kept inside its directory. */
function component(base: string, ext = ''): string {
  return finalComponent(fitComponent(safeComponent(base), safeComponent(ext)));
}

/** The pieces of a target's name, each already safe. */
export interface NameParts {
  host: string;
  /** Directories then the file, `/`-joined, extension included. */
  path: string;
  /** The file's name without extension, or the target's `name` when it has one. */
  name: string;
  /** `.html`, or empty. */
  ext: string;
}

/** The safe pieces of `target`'s URL (see the rule at the top of this file). */
export function nameParts(target: Target): NameParts {
  const defaultPort = target.protocol === 'https:' ? 443 : 80;
  const host = component(target.hostname.toLowerCase() + (target.port === defaultPort ? '' : `_${target.port}`));
  const q = target.path.indexOf('?');
  const pathname = q === -1 ? target.path : target.path.slice(0, q);
  const query = q === -1 ? '' : target.path.slice(q + 1);
  const segments = pathname.split('/').slice(1);
  const last = segments.pop() ?? '';
  const dirs: string[] = [];
  for (const segment of segments) {
    if (segment === '') continue;
    dirs.push(component(decodeSegment(segment)));
  }
  const file = last === '' ? 'index.html' : decodeSegment(last);
  const ext = extensionOf(file);
  let base = file.slice(0, file.length - ext.length);
  if (query !== '') base += `@${query}`;
  const safeExt = safeComponent(ext);
  const fileName = component(base, ext);
  const named = target.name === undefined ? null : component(target.name);
  return {
    host,
    path: [...dirs, fileName].join('/'),
    name: named ?? fileName.slice(0, fileName.length - safeExt.length),
    ext: safeExt,
  };
}

/**
 * The relative path a target's body is saved under, as components, before collisions are
 * settled; `{status}` is {@link STATUS_MARK}. Values are substituted, then the result is split on
 * `/` and each component made safe again: the template's own text cannot climb out either.
 */
export function templateComponents(template: string, target: Target): string[] {
  const parts = nameParts(target);
  const text = template.replace(/\{(index|host|path|name|status|ext)\}/g, (_, key: string) => {
    switch (key) {
      case 'index':
        return String(target.index);
      case 'host':
        return parts.host;
      case 'path':
        return parts.path;
      case 'name':
        return parts.name;
      case 'ext':
        return parts.ext;
      default:
        return STATUS_MARK;
    }
  });
  const components: string[] = [];
  for (const c of text.split('/')) {
    if (c === '') continue;
    // The status mark survives: it is put back as digits when the head arrives.
    const safe = c
      .split(STATUS_MARK)
      .map((piece) => safeComponent(piece))
      .join(STATUS_MARK);
    components.push(finalComponent(fitComponent(safe, '')));
  }
  if (components.length === 0) components.push(`${target.index}`);
  return components;
}

/**
 * The names taken in one run. Targets claim in input order (the engine admits them in that
 * order), so which of two equal names gets the suffix does not depend on timing.
 */
export class NameClaims {
  /** Case-folded paths of files, and of directories, taken so far. */
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();

  /** Claims `components` for target `index`, changing the first one that clashes until nothing does. */
  claim(components: readonly string[], index: number): string[] {
    const claimed = [...components];
    for (let attempt = 0; ; attempt++) {
      const at = this.clash(claimed);
      if (at === -1) break;
      claimed[at] = suffixed(components[at]!, index, attempt, at === claimed.length - 1);
    }
    let key = '';
    for (let i = 0; i < claimed.length; i++) {
      key = i === 0 ? fold(claimed[0]!) : `${key}/${fold(claimed[i]!)}`;
      if (i < claimed.length - 1) this.dirs.add(key);
      else this.files.add(key);
    }
    return claimed;
  }

  /** Index of the first component that clashes with an earlier claim, or -1. */
  private clash(components: readonly string[]): number {
    let key = '';
    for (let i = 0; i < components.length; i++) {
      key = i === 0 ? fold(components[0]!) : `${key}/${fold(components[i]!)}`;
      const isFile = i === components.length - 1;
      if (this.files.has(key) || (isFile && this.dirs.has(key))) return i;
    }
    return -1;
  }
}

function fold(component: string): string {
  return component.toLowerCase();
}

/** `name~<index>.ext` (then `-1`, `-2`… in the unlikely case that is taken too). */
function suffixed(component: string, index: number, attempt: number, isFile: boolean): string {
  const ext = isFile ? extensionOf(component) : '';
  const base = component.slice(0, component.length - ext.length);
  return `${base}~${index}${attempt === 0 ? '' : `-${attempt}`}${ext}`;
}
