/**
 * The hub's own indicators, from set-based measures to each unit's value: which measure feeds
 * which indicator, how a rate is formed, and what a unit with nothing to count gets. Pure: the
 * measures come from the database, the values go to the scoring engine.
 */
import type { AssessmentPlan, PlanIndicator, PlanUnit } from '../scoring/assessment-plan';

/** One measure for one group (a village or township code, an agency, a station code). */
export interface IndicatorMeasure {
  group: string;
  numerator: number;
  denominator: number;
  evidence: readonly string[];
}

export interface CountyMeasures {
  /** By region: a village's code, or a township's for records that name no village. */
  births: readonly IndicatorMeasure[];
  deaths: readonly IndicatorMeasure[];
  cards: readonly IndicatorMeasure[];
  policyCompliantBirths: readonly IndicatorMeasure[];
  birthsBySex: readonly IndicatorMeasure[];
  discrepanciesDue: readonly IndicatorMeasure[];
  registryCompleteness: readonly IndicatorMeasure[];
  /** By agency (department unit id) and by station code. */
  timeliness: { byAgency: readonly IndicatorMeasure[]; byStation: readonly IndicatorMeasure[] };
  validity: { byAgency: readonly IndicatorMeasure[]; byStation: readonly IndicatorMeasure[] };
  /** By agency. */
  coverage: readonly IndicatorMeasure[];
  /** By agency: verification requests answered by their due date of those fallen due or answered, with the median answer time. */
  verificationAnswers?: readonly VerificationAnswerMeasure[];
  /** The county's census population, to estimate a township's from its share of the cards. */
  countyPopulation?: number;
}

/** A department's answers to verification requests (协查): on time (numerator) of fallen due or answered (denominator). */
export interface VerificationAnswerMeasure extends IndicatorMeasure {
  /** Requests answered, on time or late. */
  answered: number;
  /** The median of the days from request to answer, over the answered; null when none is. */
  medianAnswerDays: number | null;
}

export interface ComputedValue {
  indicatorId: string;
  unitId: string;
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  evidence: string[];
  /** Why a value is missing or how it was formed, for staff. */
  note: string | null;
}

/**
 * A unit's keys into the measures: its region (a township or a village code, matched as a prefix
 * of the measures' region codes), its agency, or its station codes (matched whole).
 */
function keysOf(unit: PlanUnit): { keys: string[]; byPrefix: boolean } {
  if (unit.kind === 'station') return { keys: unit.codes ?? [], byPrefix: false };
  if (unit.kind === 'department') return { keys: [unit.id], byPrefix: false };
  return { keys: unit.regionCode ? [unit.regionCode] : [], byPrefix: true };
}

type UnitKeys = ReturnType<typeof keysOf>;

function sum(measures: readonly IndicatorMeasure[], { keys, byPrefix }: UnitKeys): IndicatorMeasure | undefined {
  // A township's measure is the sum over its villages; a village's, its own.
  const found = measures.filter((m) => keys.some((key) => (byPrefix ? m.group.startsWith(key) : m.group === key)));
  if (!found.length) return undefined;
  return {
    group: keys.join(','),
    numerator: found.reduce((a, m) => a + m.numerator, 0),
    denominator: found.reduce((a, m) => a + m.denominator, 0),
    evidence: found.flatMap((m) => m.evidence),
  };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** A percentage; a unit with nothing to count has nothing wrong: 100. */
function percent(indicatorId: string, unitId: string, m: IndicatorMeasure | undefined, nothing: string): ComputedValue {
  if (m === undefined || m.denominator === 0) {
    return { indicatorId, unitId, value: 100, numerator: 0, denominator: 0, evidence: [], note: nothing };
  }
  return { indicatorId, unitId, value: round((100 * m.numerator) / m.denominator), numerator: m.numerator, denominator: m.denominator, evidence: [...m.evidence], note: null };
}

type Formula = (unit: PlanUnit, keys: UnitKeys, measures: CountyMeasures, indicator: PlanIndicator) => ComputedValue;

const FORMULAS: Record<string, Formula> = {
  'births-vs-control': (unit, keys, m, indicator) => {
    const births = sum(m.births, keys);
    const count = births?.numerator ?? 0;
    return { indicatorId: indicator.id, unitId: unit.id, value: count, numerator: count, denominator: null, evidence: [...(births?.evidence ?? [])], note: null };
  },
  'natural-growth-rate': (unit, keys, m, indicator) => {
    const births = sum(m.births, keys)?.numerator ?? 0;
    const deaths = sum(m.deaths, keys);
    const cards = sum(m.cards, keys)?.numerator ?? 0;
    const allCards = m.cards.reduce((a, c) => a + c.numerator, 0);
    if (!m.countyPopulation || !allCards || !cards) {
      return { indicatorId: indicator.id, unitId: unit.id, value: null, numerator: births - (deaths?.numerator ?? 0), denominator: null, evidence: [], note: 'no population figure' };
    }
    // The hub has no township or village census: the county's, shared out by the unit's women's cards.
    const population = Math.round((m.countyPopulation * cards) / allCards);
    const growth = births - (deaths?.numerator ?? 0);
    return {
      indicatorId: indicator.id, unitId: unit.id, value: round((1000 * growth) / population), numerator: growth, denominator: population,
      evidence: [...(sum(m.births, keys)?.evidence ?? []), ...(deaths?.evidence ?? [])],
      note: `population estimated from the 2020 census by the ${unit.kind === 'village' || unit.kind === 'village-fp' ? 'village' : 'township'}'s share of women's cards`,
    };
  },
  'policy-compliant-rate': (unit, keys, m, indicator) => percent(indicator.id, unit.id, sum(m.policyCompliantBirths, keys), 'no births on the cards'),
  'births-outside-policy': (unit, keys, m, indicator) => {
    const births = sum(m.policyCompliantBirths, keys);
    const outside = births ? births.denominator - births.numerator : 0;
    return { indicatorId: indicator.id, unitId: unit.id, value: outside, numerator: outside, denominator: births?.denominator ?? 0, evidence: [...(births?.evidence ?? [])], note: null };
  },
  'sex-ratio-at-birth': (unit, keys, m, indicator) => {
    const births = sum(m.birthsBySex, keys);
    if (!births || births.denominator === 0) {
      return { indicatorId: indicator.id, unitId: unit.id, value: null, numerator: births?.numerator ?? 0, denominator: 0, evidence: [...(births?.evidence ?? [])], note: 'no girls notified' };
    }
    return { indicatorId: indicator.id, unitId: unit.id, value: round((100 * births.numerator) / births.denominator), numerator: births.numerator, denominator: births.denominator, evidence: [...births.evidence], note: null };
  },
  'discrepancy-resolution': (unit, keys, m, indicator) => percent(indicator.id, unit.id, sum(m.discrepanciesDue, keys), 'no discrepancy fell due'),
  'registry-completeness': (unit, keys, m, indicator) => percent(indicator.id, unit.id, sum(m.registryCompleteness, keys), 'no confirmed events'),
  'notification-timeliness': (unit, keys, m, indicator) =>
    percent(indicator.id, unit.id, sum(unit.kind === 'station' ? m.timeliness.byStation : m.timeliness.byAgency, keys), 'no records received'),
  'data-validity': (unit, keys, m, indicator) =>
    percent(indicator.id, unit.id, sum(unit.kind === 'station' ? m.validity.byStation : m.validity.byAgency, keys), 'no records submitted'),
  'notification-coverage': (unit, keys, m, indicator) => percent(indicator.id, unit.id, sum(m.coverage, keys), 'no events known'),
  'verification-answers': (unit, keys, m, indicator) => {
    const found = verificationAnswersOf(m, keys);
    const value = percent(indicator.id, unit.id, found, 'no verification request fell due');
    if (found === undefined || found.answered === 0) return value;
    // The median answer time goes with the rate, so staff see how fast as well as how often.
    const speed = `median answer time ${found.medianAnswerDays} days over ${found.answered} answered`;
    return { ...value, note: value.note ? `${value.note}; ${speed}` : speed };
  },
  'verification-answer-days': (unit, keys, m, indicator) => {
    const found = verificationAnswersOf(m, keys);
    if (found === undefined || found.answered === 0 || found.medianAnswerDays === null) {
      // Nothing answered, nothing slow: 0 days earns the full points, as the rate's 100 does.
      return { indicatorId: indicator.id, unitId: unit.id, value: 0, numerator: null, denominator: 0, evidence: [], note: 'no verification request answered' };
    }
    // A median has no numerator; the denominator is how many answers it is the median of.
    return {
      indicatorId: indicator.id, unitId: unit.id, value: found.medianAnswerDays, numerator: null, denominator: found.answered,
      evidence: [...found.evidence], note: `median over ${found.answered} answered`,
    };
  },
};

function verificationAnswersOf(m: CountyMeasures, { keys }: UnitKeys): VerificationAnswerMeasure | undefined {
  return (m.verificationAnswers ?? []).find((a) => keys.includes(a.group));
}

/** The indicator ids the hub computes itself. */
export const COMPUTED_INDICATORS: readonly string[] = Object.keys(FORMULAS);

/**
 * Every computed indicator's value for every unit it applies to. An indicator the plan marks
 * computed that the hub has no formula for is left out (the engine reports it as missing).
 */
export function computedIndicatorValues(plan: AssessmentPlan, measures: CountyMeasures): ComputedValue[] {
  const values: ComputedValue[] = [];
  for (const line of plan.lines) {
    for (const indicator of line.indicators) {
      const formula = FORMULAS[indicator.id];
      if (indicator.kind !== 'quantitative-computed' || formula === undefined) continue;
      for (const unit of line.units) {
        if (indicator.appliesTo !== undefined && !indicator.appliesTo.includes(unit.kind)) continue;
        values.push(formula(unit, keysOf(unit), measures, indicator));
      }
    }
  }
  return values;
}
