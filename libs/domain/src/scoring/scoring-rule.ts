import type { ScoringRule } from './assessment-plan';

/**
 * The share of an indicator's points (usually 0..1) that `value` earns under `rule`, or undefined when
 * the rule needs a target and the unit has none. Every rule is monotone: a value nearer the
 * direction's good end never earns less.
 */
export function ruleFraction(rule: ScoringRule, value: number, target: number | undefined): number | undefined {
  const higher = rule.direction === 'higher-is-better';
  switch (rule.type) {
    case 'ratio-to-target': {
      if (!validTarget(target)) return undefined;
      if (higher) return clamp(value / target, 0, rule.cap);
      // Births under their control number earn the full share, never a bonus for dividing by ~0.
      return value <= 0 ? rule.cap : clamp(target / value, 0, rule.cap);
    }
    case 'linear': {
      const x = measured(rule.measure, value, target);
      if (x === undefined) return undefined;
      if (rule.full === rule.zero) return reaches(higher, x, rule.full) ? 1 : 0;
      return clamp((x - rule.zero) / (rule.full - rule.zero), 0, 1);
    }
    case 'thresholds': {
      const x = measured(rule.measure, value, target);
      if (x === undefined) return undefined;
      return rule.steps.find((step) => reaches(higher, x, step.bound))?.fraction ?? rule.otherwise;
    }
    case 'pass-fail':
      return reaches(higher, value, rule.bound) ? 1 : 0;
  }
}

/** Does `x` reach `bound` from the good side? */
function reaches(higher: boolean, x: number, bound: number): boolean {
  return higher ? x >= bound : x <= bound;
}

function measured(measure: 'value' | 'ratio-to-target' | undefined, value: number, target: number | undefined): number | undefined {
  if (measure !== 'ratio-to-target') return value;
  return validTarget(target) ? value / target : undefined;
}

function validTarget(target: number | undefined): target is number {
  return target !== undefined && Number.isFinite(target) && target > 0;
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/**
 * Points rounded to 2 decimals, half up, as an assessor rounds by hand at every step. Scaling
 * first and trimming float noise keeps 87.35 from becoming 87.34 (87.35 * 100 is 8734.999…).
 */
export function roundPoints(x: number): number {
  // `+ 0` turns -0 into 0, so a score never prints as "-0".
  return Math.round(Number((x * 100).toFixed(6))) / 100 + 0;
}
