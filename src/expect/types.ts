/**
 * The compiled forms of an expectation: what src/expect/parse.ts builds from the input form
 * ({@link ExpectObject}, the CLI's --expect flags) and src/expect/check.ts checks a response
 * against. Internal: src/index.ts exports the input form only, so these can change freely.
 */
import type { ExpectObject } from '../types.js';

// The validated target carries its compiled expectation. Declared here, not in src/types.ts,
// whose declarations are the public ones (src/index.ts re-exports from it): a library user sees
// `Target` without it, the code under src/ (which includes this file) sees it.
declare module '../types.js' {
  interface Target {
    /** The target's own expectation, compiled; absent: the run's (`RunConfig.expect`). */
    expect?: Expectation;
  }
}

/** A validated expectation, ready for the engine to check. */
export interface Expectation {
  /** Status ranges that count as ok, inclusive, e.g. [[200, 399]]. */
  status: ReadonlyArray<readonly [number, number]>;
  /** The spec as the user wrote it, for messages (`status 503 not in 200-399`). */
  statusText: string;
  /** Milliseconds, or undefined for no limit. */
  maxTime?: number;
  bodyIncludes?: string;
  /** Response headers to check, names lower-cased. */
  header?: ReadonlyArray<HeaderRule>;
  /** Minimum days of certificate validity left (HTTPS). */
  certDaysLeft?: number;
  /** Checks on the body parsed as JSON (`expect.json`), in the order given. */
  json?: readonly JsonCheck[];
  /** The body text must match (`expect.bodyMatches`); never has the `g` or `y` flag. */
  bodyMatches?: RegExp;
}

/** One `expect.header` check (see {@link ExpectObject.header}). */
export interface HeaderRule {
  /** Lower-cased field name. */
  name: string;
  /** `equals`: exact, or up to the first `;` for a value without one; `includes`: substring; `matches`: regex. */
  kind: 'equals' | 'includes' | 'matches';
  value: string;
  /** `matches` only: `value`, compiled. */
  regex?: RegExp;
}

/** One `expect.json` entry: a JSONPath and what the value it selects must be. */
export interface JsonCheck {
  /** The path as the user wrote it, for messages. */
  path: string;
  /** The parsed path, step by step from the document's root. */
  steps: readonly JsonPathStep[];
  test: JsonTest;
}

/**
 * One step of a JSONPath: an object member (`.name`, `["name"]`), an array element (`[0]`;
 * negative counts from the end), or `.length` (of an array or string; an object's member
 * named "length" otherwise).
 */
export type JsonPathStep = { kind: 'member'; name: string } | { kind: 'index'; index: number } | { kind: 'length' };

export type JsonTest =
  | { kind: 'equals'; value: unknown }
  | { kind: 'matches'; regex: RegExp }
  | { kind: 'exists'; exists: boolean };
