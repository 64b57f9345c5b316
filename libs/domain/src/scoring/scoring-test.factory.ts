import { seededRandom } from '../seeded-random';
import { QUALITATIVE_GRADES, type AssessmentLineId, type AssessmentPlan, type LinePlan, type PlanIndicator, type PlanUnit, type VetoRule } from './assessment-plan';
import type { GradeInput, IndicatorValueInput, ItemInput, RegularCheckInput, ScoringInputs } from './assessment-result';

const XICHONG_2026 = require('../../data/plans/511325-2026.json') as AssessmentPlan;

/** A fresh copy of the shipped 2026 plan, safe to change in a test. */
export function xichong2026(): AssessmentPlan {
  return structuredClone(XICHONG_2026);
}

export function lineOf(plan: AssessmentPlan, line: AssessmentLineId): LinePlan {
  const found = plan.lines.find((l) => l.line === line);
  if (found === undefined) throw new Error(`no ${line} line`);
  return found;
}

export const CHECK_IDS = ['2026-q2-spot', '2026-q3-spot'];

export interface RandomInputOptions {
  /** Units share one of this many input sets, so ties are common; each unit its own when absent. */
  profiles?: number;
  /** Draw values that trigger an indicator veto too; off by default, so most units can be ranked. */
  vetoes?: boolean;
}

/**
 * Plausible inputs for every unit of a line, drawn from `seed`: a value for every quantitative
 * indicator, a grade for every qualitative one, in each period; two regular checks covering a random
 * part of the units; now and then a bonus or penalty item.
 */
export function randomLineInputs(line: LinePlan, seed: number, options: RandomInputOptions = {}): ScoringInputs {
  const random = seededRandom(seed);
  const profileOf = (index: number) => (options.profiles === undefined ? index : Math.floor(random() * options.profiles));
  const values: IndicatorValueInput[] = [];
  const grades: GradeInput[] = [];
  const items: ItemInput[] = [];
  const covered = new Map<string, string[]>(CHECK_IDS.map((c) => [c, []]));
  line.units.forEach((unit, index) => {
    // Units of one profile draw the same sequence, so their inputs (relative to their targets) match.
    const draw = seededRandom(seed * 7919 + profileOf(index));
    const checkIds = CHECK_IDS.filter(() => draw() < 0.7);
    for (const checkId of checkIds) covered.get(checkId)!.push(unit.id);
    for (const indicator of line.indicators.filter((i) => i.appliesTo === undefined || i.appliesTo.includes(unit.kind))) {
      const periods = [...(indicator.periods.includes('year-end') ? [undefined] : []), ...(indicator.periods.includes('regular') ? checkIds : [])];
      for (const checkId of periods) {
        const at = { unitId: unit.id, indicatorId: indicator.id, ...(checkId === undefined ? {} : { checkId }) };
        if (indicator.kind === 'qualitative') grades.push({ ...at, grade: QUALITATIVE_GRADES[Math.floor(draw() * 4)], evidenceIds: [`grade-${unit.id}`] });
        else values.push({ ...at, value: drawValue(line, indicator, unit, draw(), options.vetoes ?? false), evidenceIds: [`fact-${unit.id}-${indicator.id}`] });
      }
    }
    const offered = [...line.bonus.items, ...line.penalty.items];
    for (const n of [1, 2]) {
      const itemId = offered[Math.floor(draw() * offered.length)].id;
      if (draw() < 0.3) items.push({ unitId: unit.id, itemId, count: 1 + Math.floor(draw() * 3), evidenceIds: [`item-${unit.id}-${n}b`, `item-${unit.id}-${n}a`] });
    }
  });
  const regularChecks: RegularCheckInput[] = CHECK_IDS.map((checkId) => ({ checkId, unitIds: covered.get(checkId)!, evidenceIds: [`signed-${checkId}`] }));
  return { values, grades, items, regularChecks };
}

/** A value somewhat beyond both ends of what the rule scores, rounded to 0.1. */
function drawValue(line: LinePlan, indicator: PlanIndicator, unit: PlanUnit, r: number, vetoes: boolean): number {
  const rule = indicator.scoring!;
  const target = targetOf(indicator, unit);
  const scale = 'measure' in rule && rule.measure === 'ratio-to-target' ? target : 1;
  let value: number;
  if (rule.type === 'ratio-to-target') value = target * 1.3 * r;
  else if (rule.type === 'pass-fail') value = r < 0.85 ? rule.bound : rule.bound + (rule.direction === 'higher-is-better' ? -1 : 1);
  else {
    const bounds = rule.type === 'linear' ? [rule.full, rule.zero] : rule.steps.map((s) => s.bound);
    const [low, high] = [Math.min(...bounds), Math.max(...bounds)];
    const margin = (high - low) / 4 || 1;
    value = scale * (low - margin + (high - low + 2 * margin) * r);
  }
  if (indicator.unit === 'percent') value = Math.min(100, value);
  value = Math.max(0, Math.round(value * 10) / 10);
  if (vetoes) return value;
  // Holding the value condition back is enough: a veto needs every one of its conditions.
  for (const veto of line.vetoes) {
    if (veto.kind !== 'indicator' || veto.indicatorId !== indicator.id || (veto.measure ?? 'value') !== 'value') continue;
    value = veto.op === 'above' ? Math.min(value, veto.bound) : Math.max(value, veto.bound);
  }
  return value;
}

/**
 * Year-end values that meet every condition of an indicator veto, by indicator: a value past each
 * value bound, and a numerator and denominator whose rate per 1,000 is past each rate bound.
 */
export function triggeringValues(veto: Extract<VetoRule, { kind: 'indicator' }>): Map<string, { value: number; numerator: number; denominator: number }> {
  const found = new Map<string, { value: number; numerator: number; denominator: number }>();
  const conditions = [veto, ...(veto.and ?? [])];
  for (const indicatorId of new Set(conditions.map((c) => c.indicatorId))) {
    const own = conditions.filter((c) => c.indicatorId === indicatorId);
    const byValue = own.find((c) => (c.measure ?? 'value') === 'value');
    const value = byValue === undefined ? 1 : byValue.op === 'above' ? byValue.bound + 1 : byValue.bound - 1;
    let numerator = Math.max(0, value);
    let denominator = 100;
    for (const rate of own.filter((c) => c.measure === 'per-thousand')) {
      if (rate.op === 'below') numerator = 0;
      else denominator = Math.max(1, Math.floor((Math.max(1, numerator) * 1000) / (rate.bound + 1)));
      if (rate.op === 'above') numerator = Math.max(1, numerator);
    }
    found.set(indicatorId, { value, numerator, denominator });
  }
  return found;
}

export function targetOf(indicator: PlanIndicator, unit: PlanUnit): number {
  return indicator.target?.byUnit?.[unit.id] ?? indicator.target?.default ?? 1;
}

/** The same inputs in another order: every list, every check's units and every list of evidence, shuffled by `seed`. */
export function shuffledInputs(inputs: ScoringInputs, seed: number): ScoringInputs {
  const random = seededRandom(seed);
  return {
    values: shuffle(inputs.values, random).map((v) => ({ ...v, evidenceIds: shuffle(v.evidenceIds ?? [], random) })),
    grades: shuffle(inputs.grades ?? [], random).map((g) => ({ ...g, evidenceIds: shuffle(g.evidenceIds ?? [], random) })),
    items: shuffle(inputs.items ?? [], random).map((i) => ({ ...i, evidenceIds: shuffle(i.evidenceIds, random) })),
    vetoEvents: shuffle(inputs.vetoEvents ?? [], random),
    regularChecks: shuffle(inputs.regularChecks ?? [], random).map((c) => ({ ...c, unitIds: shuffle(c.unitIds, random) })),
  };
}

export function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Every party-government indicator at full marks for a township, so only what a test changes stands out. */
export function townshipFullMarks(unitId: string): IndicatorValueInput[] {
  return [
    { unitId, indicatorId: 'births-vs-control', value: 10 },
    { unitId, indicatorId: 'natural-growth-rate', value: -3 },
    { unitId, indicatorId: 'policy-compliant-rate', value: 100, numerator: 50, denominator: 50 },
    { unitId, indicatorId: 'sex-ratio-at-birth', value: 105 },
    { unitId, indicatorId: 'births-outside-policy', value: 0, numerator: 0, denominator: 50 },
    { unitId, indicatorId: 'birth-statistics-accuracy', value: 100 },
  ];
}

/** The vetoed township of `closingYearInputs`: 4 births outside the policy of 58. */
export const VETOED_TOWNSHIP = '511325104';
/** The township of `closingYearInputs` scored on its grades only (under the yellow-card bound). */
export const WARNED_TOWNSHIP = '511325102';

/**
 * The shipped plan's townships at full marks with grades A, but 古楼镇 vetoed (4 births outside the
 * policy of 58) and 大全镇 with nothing but its grades (a yellow card for its score): a year with
 * awards, a veto and a yellow card on the party-government line.
 */
export function closingYearInputs(plan: AssessmentPlan): Required<Pick<ScoringInputs, 'values' | 'grades'>> {
  const units = lineOf(plan, 'party-government').units;
  const townships = units.filter((u) => u.kind === 'township').map((u) => u.id);
  // The villages a township hands its targets down to: full marks on what they are scored on (not on what assessors grade).
  const villages = units.filter((u) => u.kind === 'village').map((u) => u.id);
  const grades = townships.flatMap((unitId) => ['publicity-education', 'technical-services', 'law-enforcement'].map((indicatorId) => ({ unitId, indicatorId, grade: 'A' as const })));
  const values = townships
    .flatMap((id) => {
      if (id === VETOED_TOWNSHIP) return townshipFullMarks(id).map((v) => (v.indicatorId === 'births-outside-policy' ? { ...v, value: 4, numerator: 4, denominator: 58 } : v));
      if (id === WARNED_TOWNSHIP) return [];
      return townshipFullMarks(id);
    })
    .concat(villages.flatMap((id) => townshipFullMarks(id).filter((v) => v.indicatorId !== 'birth-statistics-accuracy')));
  return { values, grades };
}
