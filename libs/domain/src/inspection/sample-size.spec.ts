import { householdsForPrecision, intervalHalfWidth, sampleSizeForPrecision } from './sample-size';

describe('sample size for a wanted precision', () => {
  it('gives the textbook 385 for ±5 points at p = 0.5 with no finite population', () => {
    // n = 1.96² · 0.25 / 0.05² = 384.15 → 385 (Cochran, Sampling Techniques, 3rd ed., §4.4).
    expect(sampleSizeForPrecision({ halfWidth: 0.05 })).toBe(385);
  });

  it('needs fewer items when most are expected to agree', () => {
    // 1.96² · 0.95 · 0.05 / 0.02² = 456.2 → 457
    expect(sampleSizeForPrecision({ halfWidth: 0.02, expectedShare: 0.95 })).toBe(457);
  });

  it('applies the finite population correction and never exceeds the population', () => {
    // 385 / (1 + 384.15 / 1000) = 277.5 → 278
    expect(sampleSizeForPrecision({ halfWidth: 0.05, population: 1000 })).toBe(278);
    expect(sampleSizeForPrecision({ halfWidth: 0.001, population: 50 })).toBe(50);
  });

  it('scales with the design effect of a cluster design', () => {
    expect(sampleSizeForPrecision({ halfWidth: 0.05, designEffect: 2 })).toBe(769);
  });

  it('a sample of the size found gives at most the half-width wanted', () => {
    for (const [halfWidth, p, N] of [[0.05, 0.5, undefined], [0.02, 0.9, 5000], [0.03, 0.7, 800]] as const) {
      const n = sampleSizeForPrecision({ halfWidth, expectedShare: p, population: N });
      expect(intervalHalfWidth(n, p, { population: N })).toBeLessThanOrEqual(halfWidth + 1e-12);
      expect(intervalHalfWidth(n - 1, p, { population: N })).toBeGreaterThan(halfWidth);
    }
  });

  it('turns items into households', () => {
    expect(householdsForPrecision({ halfWidth: 0.05, itemsPerHousehold: 20 })).toEqual({ items: 385, households: 20 });
  });

  it('refuses a nonsensical precision', () => {
    expect(() => sampleSizeForPrecision({ halfWidth: 0 })).toThrow(RangeError);
    expect(() => sampleSizeForPrecision({ halfWidth: 0.05, expectedShare: 1.2 })).toThrow(RangeError);
  });
});
