/**
 * A bound on how deeply a target may nest. V8's `JSON.parse` is iterative, so a 100k-deep array
 * in a target file parses fine; but everything that walks the value afterwards recursively —
 * `JSON.stringify` to show the input, `String()` of an array, validation — overflows the stack
 * and used to take the whole run down. A real target nests about four levels (target → expect →
 * header → value), so anything past {@link MAX_NESTING} is refused before anything recursive
 * touches it, and everything here is iterative.
 */

/** Objects and arrays nested deeper than this are refused; a target object itself is level 1. */
export const MAX_NESTING = 32;

/**
 * Where `value` first nests deeper than `max` levels, as a path such as `$[0].headers[0]…`
 * starting at `$`, the value itself), or null when it does not. Walks iteratively, depth first, and
 * stops at the first container past the limit, so a hostile value costs at most one visit per
 * node it holds.
 */
export function tooDeep(value: unknown, max = MAX_NESTING): string | null {
  // Each entry: a container, its depth (1 for `value` itself), and the path that reached it.
  const stack: Array<{ node: object; depth: number; path: string }> = [];
  // A library caller's object may be circular or share parts; each container is walked once.
  const seen = new Set<object>();
  if (typeof value === 'object' && value !== null) stack.push({ node: value, depth: 1, path: '$' });
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop() as { node: object; depth: number; path: string };
    if (depth > max) return path;
    if (seen.has(node)) continue;
    seen.add(node);
    const entries: Array<[string, unknown]> = Array.isArray(node)
      ? node.map((child, i): [string, unknown] => [`[${i}]`, child])
      : Object.keys(node).map((key): [string, unknown] => [`.${key}`, (node as Record<string, unknown>)[key]]);
    // Reversed so the first child is visited first and the path named is the first one in the text.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [step, child] = entries[i] as [string, unknown];
      if (typeof child === 'object' && child !== null) {
        // Paths are only kept short: past the limit the rest of the chain is one "…".
        const childPath = path.length > 200 ? path : path.length + step.length > 200 ? `${path}…` : path + step;
        stack.push({ node: child, depth: depth + 1, path: childPath });
      }
    }
  }
  return null;
}

/** The message for a value {@link tooDeep} refused, e.g. `nested deeper than 32 levels (at $.expect…)`. */
export function tooDeepMessage(path: string): string {
  return `nested deeper than ${MAX_NESTING} levels (at ${path})`;
}

/**
 * A short, bounded rendering of a value too deep to stringify: the opening brackets of its first
 * chain, e.g. `[[[[…`. Shown as the invalid target's input.
 */
export function deepPreview(value: unknown, maxChars = 40): string {
  let out = '';
  let node: unknown = value;
  while (out.length < maxChars && typeof node === 'object' && node !== null) {
    if (Array.isArray(node)) {
      out += '[';
      node = node[0];
    } else {
      const key = Object.keys(node)[0];
      if (key === undefined) break;
      out += `{${JSON.stringify(key.length > 20 ? `${key.slice(0, 20)}…` : key)}:`;
      node = (node as Record<string, unknown>)[key];
    }
  }
  return `${out.slice(0, maxChars)}…`;
}
