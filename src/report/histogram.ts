/**
 * A fixed-size log-linear latency histogram (the HdrHistogram idea): each power-of-two range of
 * milliseconds is split into {@link SUB_BUCKETS} equal buckets, so a bucket is at most 1/128 of
 * its lower bound wide, and reporting its midpoint is within 0.4 % of any value in it.
 *
 * Covered: 2^-7 ms (7.8 µs) to 2^22 ms (~70 min). Smaller values share one bottom bucket,
 * larger ones the top bucket; the exact min and max are kept separately, and every reported
 * value is clamped to them. Memory is {@link BUCKET_COUNT} doubles (~30 KB) whatever the number
 * of samples: we never keep a sorted copy of every latency (there can be millions).
 */
const SUB_BITS = 7;
const SUB_BUCKETS = 1 << SUB_BITS; // 128
const MIN_EXP = -7;
const MAX_EXP = 21;
/** One bottom bucket, then 128 per exponent in [MIN_EXP, MAX_EXP]. */
const BUCKET_COUNT = 1 + (MAX_EXP - MIN_EXP + 1) * SUB_BUCKETS;
const MIN_TRACKED = 2 ** MIN_EXP;

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKET_COUNT);
  #count = 0;
  #min = Infinity;
  #max = -Infinity;

  /** Records one latency in milliseconds. NaN and negative values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0)) return;
    const i = bucketOf(ms);
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#count++;
    if (ms < this.#min) this.#min = ms;
    if (ms > this.#max) this.#max = ms;
  }

  get count(): number {
    return this.#count;
  }

  /** Exact largest sample, or NaN when empty. */
  get max(): number {
    return this.#count === 0 ? NaN : this.#max;
  }

  /** Exact smallest sample, or NaN when empty. */
  get min(): number {
    return this.#count === 0 ? NaN : this.#min;
  }

  /** Number of counters; constant, whatever was recorded. */
  get bucketCount(): number {
    return this.#counts.length;
  }

  /**
   * Nearest-rank percentile (`p` in 0–100): the smallest recorded value such that at least
   * p % of samples are ≤ it, to within the bucket precision. NaN when empty.
   */
  percentile(p: number): number {
    if (this.#count === 0) return NaN;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.#max, Math.max(this.#min, midpointOf(i)));
    }
    return this.#max;
  }
}

function bucketOf(ms: number): number {
  if (ms < MIN_TRACKED) return 0;
  let exp = Math.floor(Math.log2(ms));
  if (exp > MAX_EXP) return BUCKET_COUNT - 1;
  let base = 2 ** exp;
  // Math.log2 may be off by one ulp right at a power of two.
  if (ms < base) {
    exp--;
    base /= 2;
  } else if (ms >= base * 2) {
    exp++;
    base *= 2;
    if (exp > MAX_EXP) return BUCKET_COUNT - 1;
  }
  const sub = Math.min(SUB_BUCKETS - 1, Math.floor((ms / base - 1) * SUB_BUCKETS));
  return 1 + (exp - MIN_EXP) * SUB_BUCKETS + sub;
}

function midpointOf(i: number): number {
  if (i === 0) return MIN_TRACKED / 2;
  const j = i - 1;
  const exp = MIN_EXP + Math.floor(j / SUB_BUCKETS);
  const sub = j % SUB_BUCKETS;
  return 2 ** exp * (1 + (sub + 0.5) / SUB_BUCKETS);
}
