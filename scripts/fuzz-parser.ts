/**
 * A longer differential fuzz run of the response parser against llhttp than the test suite's
 * (test/engine/h1/parser.differential.test.ts runs a fixed 2,000 cases):
 *
 *   npm run fuzz:parser -- [count] [seed]
 *
 * count defaults to 100 000; seed to a fresh one, printed so that a failure can be replayed.
 * Exits 1 with the smallest disagreement fast-check could shrink to when the parsers disagree
 * in a way no deliberate difference (test/engine/h1/parser-diff.ts) explains, 2 on bad arguments.
 */
import fc from 'fast-check';
import { caseArb, check, differences, explain, ours, theirs } from '../test/engine/h1/parser-diff.js';

function argument(index: number, name: string, fallback: number): number {
  const text = process.argv[index];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`fuzz-parser: ${name} must be a positive whole number, got ${JSON.stringify(text)}\n`);
    process.stderr.write('usage: npm run fuzz:parser -- [count] [seed]\n');
    process.exit(2);
  }
  return value;
}

const count = argument(2, 'count', 100_000);
const seed = argument(3, 'seed', 1 + Math.floor(Math.random() * 2 ** 30));
process.stdout.write(`fuzz-parser: ${count} cases, seed ${seed}\n`);

let runs = 0;
let agreed = 0;
const deliberate = new Map<string, number>();
const began = performance.now();
const result = fc.check(
  fc.property(caseArb, (c) => {
    runs++;
    const o = ours(c);
    const t = theirs(c);
    if (differences(o, t).length === 0) {
      agreed++;
      return true;
    }
    const why = explain(c, o, t);
    if (why !== null) {
      deliberate.set(why.name, (deliberate.get(why.name) ?? 0) + 1);
      return true;
    }
    return false;
  }),
  { numRuns: count, seed },
);
const seconds = ((performance.now() - began) / 1000).toFixed(1);
// Shrinking a failure runs the property again: these counts then include those runs.
process.stdout.write(`${runs} run: ${agreed} agreed, ${runs - agreed} differed, in ${seconds} s\n`);
for (const [name, n] of [...deliberate].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${n}\t${name}\n`);
if (result.failed) {
  const c = result.counterexample?.[0];
  process.stdout.write(`\nUNEXPLAINED disagreement (seed ${seed}, after ${result.numRuns} runs):\n`);
  process.stdout.write(`${c === undefined ? String(result.errorInstance) : check(c)}\n`);
  process.exit(1);
}
