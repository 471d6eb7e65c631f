/**
 * Checks on the public types, run by `npm run typecheck` (this file has no tests for vitest): an
 * expectation is written in its input form only; the compiled form (src/expect/types.ts) stays
 * internal. Each `@ts-expect-error` fails the typecheck when the line below it compiles, that is
 * when a compiled type leaks back into src/index.ts.
 */
import type * as Public from '../src/index.js';

/** The input form is public: a status spec, or an object as a target file's `expect`. */
export const inputForms: Public.RunOptions[] = [
  { expect: '2xx' },
  { expect: { status: '200-299', maxTime: '1s', header: { 'Content-Type': 'application/json' } } },
  { expect: { json: { '$.status': 'ok' }, bodyMatches: '/^ok$/i', bodyIncludes: 'ok', certDaysLeft: 14 } },
];
export const targetForm: Public.ExpectObject | undefined = ({} as Public.TargetObject).expect;

// @ts-expect-error the compiled expectation is not exported
export type CompiledExpectation = Public.Expectation;
// @ts-expect-error nor are its compiled parts
export type CompiledJsonCheck = Public.JsonCheck;
// @ts-expect-error a parsed JSONPath
export type CompiledJsonPathStep = Public.JsonPathStep;
// @ts-expect-error a JSON test
export type CompiledJsonTest = Public.JsonTest;
// @ts-expect-error a header rule
export type CompiledHeaderRule = Public.HeaderRule;

export const compiledOption: Public.RunOptions = {
  // @ts-expect-error the run-wide `expect` does not take the compiled form in its type
  expect: { status: [[200, 299]], statusText: '2xx' },
};
