/**
 * How many items a spot check must look at for a wanted precision of the share of items that
 * agree with the registry, as audit tools size a sample from the precision wanted. The 95%
 * interval is the normal (Wald) one, p ± z·√(p(1−p)/n)·√((N−n)/(N−1)), z = 1.959964; items
 * come in clusters (households, groups), which `designEffect` accounts for (1: simple random
 * sampling; a cluster design is usually 1.5–3).
 */
export const Z_95 = 1.959963984540054;

export interface PrecisionWanted {
  /** Half-width of the 95% interval, e.g. 0.02 for ±2 percentage points. */
  halfWidth: number;
  /** The share expected to agree; 0.5 (the default) is the most cautious. */
  expectedShare?: number;
  /** Items in the whole frame, for the finite population correction; omit for an unbounded population. */
  population?: number;
  /** Variance inflation of a cluster design (default 1). */
  designEffect?: number;
}

/** The number of items whose check gives the wanted half-width, rounded up. */
export function sampleSizeForPrecision(wanted: PrecisionWanted): number {
  const p = wanted.expectedShare ?? 0.5;
  const deff = wanted.designEffect ?? 1;
  if (!(wanted.halfWidth > 0 && wanted.halfWidth < 1)) throw new RangeError('halfWidth must be between 0 and 1');
  if (!(p >= 0 && p <= 1)) throw new RangeError('expectedShare must be between 0 and 1');
  if (!(deff >= 1)) throw new RangeError('designEffect must be at least 1');
  // A share of 0 or 1 has no variance: one item would do, which no auditor accepts; use the worst case nearby.
  const variance = Math.max(p * (1 - p), 0.0001);
  const unbounded = (Z_95 ** 2 * variance * deff) / wanted.halfWidth ** 2;
  const N = wanted.population;
  const n = N === undefined ? unbounded : unbounded / (1 + (unbounded - 1) / N);
  const size = Math.ceil(n - 1e-9);
  return N === undefined ? size : Math.min(size, N);
}

/** The half-width of the 95% interval a sample of `n` items gives for an observed share. */
export function intervalHalfWidth(n: number, share: number, options: { population?: number; designEffect?: number } = {}): number {
  if (n <= 0) return Number.POSITIVE_INFINITY;
  const deff = options.designEffect ?? 1;
  const N = options.population;
  const fpc = N === undefined || N <= 1 ? 1 : Math.max(0, (N - n) / (N - 1));
  return Z_95 * Math.sqrt((share * (1 - share) * deff * fpc) / n);
}

/** How many households (and how many items) a precision needs, given the items a household gives on average. */
export function householdsForPrecision(wanted: PrecisionWanted & { itemsPerHousehold: number }): { items: number; households: number } {
  if (!(wanted.itemsPerHousehold > 0)) throw new RangeError('itemsPerHousehold must be positive');
  const items = sampleSizeForPrecision(wanted);
  return { items, households: Math.ceil(items / wanted.itemsPerHousehold) };
}
