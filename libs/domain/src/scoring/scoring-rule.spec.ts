import fc from 'fast-check';
import type { Direction, ScoringRule } from './assessment-plan';
import { roundPoints, ruleFraction } from './scoring-rule';

const H: Direction = 'higher-is-better';
const L: Direction = 'lower-is-better';

describe('ruleFraction', () => {
  it.each<[string, ScoringRule, number, number | undefined, number | undefined]>([
    ['ratio, higher: 90 of target 95', { type: 'ratio-to-target', direction: H, cap: 1 }, 90, 95, 90 / 95],
    ['ratio, higher: over target, capped', { type: 'ratio-to-target', direction: H, cap: 1 }, 99, 95, 1],
    ['ratio, higher: cap above 1 rewards over-achievement', { type: 'ratio-to-target', direction: H, cap: 1.2 }, 110, 100, 1.1],
    ['ratio, lower: 120 births for 100 allowed', { type: 'ratio-to-target', direction: L, cap: 1 }, 120, 100, 100 / 120],
    ['ratio, lower: no births at all', { type: 'ratio-to-target', direction: L, cap: 1 }, 0, 100, 1],
    ['ratio without a target', { type: 'ratio-to-target', direction: H, cap: 1 }, 90, undefined, undefined],
    ['linear, higher: halfway', { type: 'linear', direction: H, full: 95, zero: 85 }, 90, undefined, 0.5],
    ['linear, higher: beyond full', { type: 'linear', direction: H, full: 95, zero: 85 }, 99, undefined, 1],
    ['linear, lower: 1.5 permille of 0..5', { type: 'linear', direction: L, full: 0, zero: 5 }, 1.5, undefined, 0.7],
    ['linear on the ratio to target: 68 births of 64', { type: 'linear', direction: L, measure: 'ratio-to-target', full: 1, zero: 1.1 }, 68, 64, 0.375],
    ['linear on the ratio, no target', { type: 'linear', direction: L, measure: 'ratio-to-target', full: 1, zero: 1.1 }, 68, undefined, undefined],
    ['thresholds, lower: sex ratio 108.2', { type: 'thresholds', direction: L, steps: [{ bound: 107, fraction: 1 }, { bound: 110, fraction: 0.6 }], otherwise: 0 }, 108.2, undefined, 0.6],
    ['thresholds, lower: on the bound', { type: 'thresholds', direction: L, steps: [{ bound: 107, fraction: 1 }], otherwise: 0 }, 107, undefined, 1],
    ['thresholds, higher: below every step', { type: 'thresholds', direction: H, steps: [{ bound: 99, fraction: 1 }, { bound: 95, fraction: 0.5 }], otherwise: 0.1 }, 90, undefined, 0.1],
    ['pass-fail, lower: none outside the policy', { type: 'pass-fail', direction: L, bound: 0 }, 0, undefined, 1],
    ['pass-fail, lower: one outside the policy', { type: 'pass-fail', direction: L, bound: 0 }, 1, undefined, 0],
  ])('%s', (_, rule, value, target, expected) => {
    const fraction = ruleFraction(rule, value, target);
    if (expected === undefined) expect(fraction).toBeUndefined();
    else expect(fraction).toBeCloseTo(expected, 12);
  });

  const direction = fc.constantFrom(H, L);
  const rule: fc.Arbitrary<ScoringRule> = fc.oneof(
    fc.record({ type: fc.constant('ratio-to-target' as const), direction, cap: fc.double({ min: 1, max: 2, noNaN: true }) }),
    fc.tuple(direction, fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 50 })).map(([d, a, span]): ScoringRule =>
      d === H ? { type: 'linear', direction: d, zero: a, full: a + span } : { type: 'linear', direction: d, full: a, zero: a + span },
    ),
    fc.tuple(direction, fc.integer({ min: -50, max: 50 })).map(([d, a]): ScoringRule => ({
      type: 'thresholds',
      direction: d,
      steps: [{ bound: a, fraction: 1 }, { bound: d === H ? a - 5 : a + 5, fraction: 0.5 }],
      otherwise: 0,
    })),
    fc.record({ type: fc.constant('pass-fail' as const), direction, bound: fc.integer({ min: -5, max: 5 }) }),
  );

  it('never gives less for a value nearer the good end', () => {
    fc.assert(
      fc.property(rule, fc.double({ min: 0, max: 200, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }), (r, value, step, target) => {
        const better = r.direction === H ? value + step : value - step;
        expect(ruleFraction(r, better, target)!).toBeGreaterThanOrEqual(ruleFraction(r, value, target)!);
      }),
    );
  });
});

describe('roundPoints', () => {
  it.each([
    [87.35, 87.35],
    [0.6 * 93.12 + 0.4 * 91.17, 92.34],
    [1.005, 1.01],
    [2.675, 2.68],
    [89.16666, 89.17],
    [-0.001, 0],
  ])('%d → %d', (x, rounded) => {
    expect(roundPoints(x)).toBe(rounded);
  });
});
