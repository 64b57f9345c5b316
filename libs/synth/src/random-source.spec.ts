import { RandomSource, WeightedTable } from './random-source';

describe('RandomSource', () => {
  it('repeats for the same stream name and differs between names', () => {
    const draw = (...key: (string | number)[]) => {
      const rng = RandomSource.derive(...key);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    expect(draw('1', 'world', 7)).toEqual(draw('1', 'world', 7));
    expect(draw('1', 'world', 7)).not.toEqual(draw('1', 'world', 8));
    expect(draw('1', 'world', 7)).not.toEqual(draw('2', 'world', 7));
  });

  it('is uniform enough, and draws weighted items in proportion', () => {
    const rng = RandomSource.derive('uniform');
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(rng.next() * 10)]++;
    for (const n of buckets) expect(Math.abs(n - 10_000)).toBeLessThan(500);
    const table = new WeightedTable(['a', 'b', 'c'], [1, 2, 7]);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 50_000; i++) counts[table.draw(rng)]++;
    expect(counts.c / 50_000).toBeCloseTo(0.7, 1);
    expect(counts.a / 50_000).toBeCloseTo(0.1, 1);
  });
});
