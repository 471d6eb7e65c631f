import { quote } from './describe.js';

/**
 * Node keeps timer delays in a signed 32-bit int: anything longer than 2^31-1 ms is silently
 * turned into 1 ms (with a TimeoutOverflowWarning). A "30d" timeout firing at once would be a
 * nasty surprise, so such durations are rejected here instead.
 */
export const MAX_DURATION_MS = 2_147_483_647;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h)?$/;
const HINT = '(use e.g. 250ms, 2s, 1.5m)';

/**
 * Parses a duration into whole milliseconds (rounded). `"250ms"`, `"2s"`, `"1.5m"`, `"1h"`; a bare
 * number or numeric string means seconds, as curl's `--max-time 1.5` does. Durations are used for
 * timeouts, so zero and negatives are rejected, as are values that round to 0 ms.
 * @throws Error with a one-line message naming the value.
 */
export function parseDuration(value: string | number): number {
  let ms: number;
  if (typeof value === 'number') {
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const match = DURATION.exec(value.trim().toLowerCase());
    if (match === null) throw new Error(`invalid duration ${quote(value)} ${HINT}`);
    const unit = (match[2] ?? 's') as keyof typeof UNIT_MS;
    ms = Number(match[1]) * UNIT_MS[unit];
  } else {
    throw new Error(`invalid duration ${String(value)} ${HINT}`);
  }
  const shown = typeof value === 'string' ? quote(value) : String(value);
  if (!Number.isFinite(ms)) throw new Error(`invalid duration ${shown} ${HINT}`);
  if (ms <= 0) throw new Error(`invalid duration ${shown}: must be greater than 0`);
  const rounded = Math.round(ms);
  if (rounded < 1) throw new Error(`invalid duration ${shown}: shorter than 1ms`);
  if (rounded > MAX_DURATION_MS) {
    throw new Error(`invalid duration ${shown}: longer than ${MAX_DURATION_MS}ms (about 24.8 days)`);
  }
  return rounded;
}
