import { rivestPick, rivestSampleWithReplacement, rivestSampleWithoutReplacement } from './rivest-sampler';

/**
 * The published test vectors of Rivest's sampler: github.com/cjerdonek/rivest-sampler-tests,
 * tests.json (range 1..total, duplicates allowed), checked there against Rivest's sampler.py.
 */
const PUBLISHED_VECTORS = [
  { seed: '0', total: 1000, expected: [905, 573, 160] },
  { seed: '0', total: 2, expected: [1, 1, 2] },
  { seed: '1', total: 1000, expected: [97, 89, 163] },
  { seed: '0000000000', total: 1000, expected: [978, 359, 132] },
  { seed: '999999999999999999999999', total: 1000, expected: [544, 800, 654] },
  { seed: 'abcde', total: 1000, expected: [247, 427, 157] },
];

describe("Rivest's SHA-256 sampler", () => {
  it.each(PUBLISHED_VECTORS)('gives the published picks for seed "$seed" from 1..$total', ({ seed, total, expected }) => {
    expect(rivestSampleWithReplacement(seed, expected.length, total)).toEqual(expected);
  });

  it('without replacement skips a repeated pick and keeps counting', () => {
    // Seed "0" over 2 items picks 1, 1, 2: the second 1 is skipped.
    expect(rivestSampleWithoutReplacement('0', 2, 2)).toEqual([1, 2]);
    expect(rivestSampleWithoutReplacement('0', 3, 1000)).toEqual([905, 573, 160]);
  });

  it('gives every item when asked for as many or more', () => {
    expect([...rivestSampleWithoutReplacement('x', 10, 4)].sort()).toEqual([1, 2, 3, 4]);
  });

  it('refuses an empty range', () => {
    expect(() => rivestPick('0', 1, 0)).toThrow(RangeError);
  });
});
