import type { AssessmentPlan, LinePlan, PlanUnit } from './assessment-plan';
import {
  ScoringInputError,
  type GradeInput,
  type IndicatorValueInput,
  type ItemInput,
  type RegularCheckInput,
  type ScoringInputs,
  type VetoEventInput,
} from './assessment-result';

/** The scoring inputs, checked against the plan and looked up by unit. */
export interface FactIndex {
  value(unitId: string, indicatorId: string, checkId: string | undefined): IndicatorValueInput | undefined;
  grade(unitId: string, indicatorId: string, checkId: string | undefined): GradeInput | undefined;
  items(unitId: string): ItemInput[];
  /** The regular checks that covered the unit, by check id. */
  checks(unitId: string): RegularCheckInput[];
  vetoEvents(unitId: string): VetoEventInput[];
}

/**
 * Rejects inputs the plan cannot score (an unknown unit, indicator, item or check; a value for a
 * period the indicator is not assessed in; the same fact twice), so a typing error is never
 * silently scored as a missing value.
 */
export function indexInputs(plan: AssessmentPlan, inputs: ScoringInputs): FactIndex {
  const units = new Map<string, { line: LinePlan; unit: PlanUnit }>();
  for (const line of plan.lines) for (const unit of line.units) units.set(unit.id, { line, unit });
  const unitOf = (unitId: string, what: string) => {
    const found = units.get(unitId);
    if (found === undefined) throw new ScoringInputError(`${what}: unknown unit ${unitId}`);
    return found;
  };

  const checks = new Map<string, RegularCheckInput>();
  const checksByUnit = new Map<string, RegularCheckInput[]>();
  for (const check of inputs.regularChecks ?? []) {
    if (checks.has(check.checkId)) throw new ScoringInputError(`regular check ${check.checkId} given twice`);
    checks.set(check.checkId, check);
    for (const unitId of new Set(check.unitIds)) {
      unitOf(unitId, `regular check ${check.checkId}`);
      push(checksByUnit, unitId, check);
    }
  }
  for (const list of checksByUnit.values()) list.sort((a, b) => compareText(a.checkId, b.checkId));

  const facts = new Map<string, IndicatorValueInput | GradeInput>();
  const addFact = (fact: IndicatorValueInput | GradeInput, qualitative: boolean) => {
    const what = `${qualitative ? 'grade' : 'value'} of ${fact.indicatorId} for ${fact.unitId}${fact.checkId === undefined ? '' : ` in check ${fact.checkId}`}`;
    const { line, unit } = unitOf(fact.unitId, what);
    const indicator = line.indicators.find((i) => i.id === fact.indicatorId);
    if (indicator === undefined) throw new ScoringInputError(`${what}: the ${line.line} line has no such indicator`);
    if ((indicator.kind === 'qualitative') !== qualitative) throw new ScoringInputError(`${what}: the indicator is ${indicator.kind}`);
    if (indicator.appliesTo !== undefined && !indicator.appliesTo.includes(unit.kind)) throw new ScoringInputError(`${what}: does not apply to a ${unit.kind}`);
    if (!indicator.periods.includes(fact.checkId === undefined ? 'year-end' : 'regular')) throw new ScoringInputError(`${what}: not assessed in that period`);
    if (fact.checkId !== undefined && !checks.get(fact.checkId)?.unitIds.includes(fact.unitId)) throw new ScoringInputError(`${what}: the check did not cover the unit`);
    if ('value' in fact && !Number.isFinite(fact.value)) throw new ScoringInputError(`${what}: not a finite number`);
    const key = factKey(fact.unitId, fact.indicatorId, fact.checkId);
    if (facts.has(key)) throw new ScoringInputError(`${what}: given twice`);
    facts.set(key, fact);
  };
  for (const value of inputs.values) addFact(value, false);
  for (const grade of inputs.grades ?? []) addFact(grade, true);

  const items = new Map<string, ItemInput[]>();
  for (const item of inputs.items ?? []) {
    const { line } = unitOf(item.unitId, `item ${item.itemId}`);
    if (![...line.bonus.items, ...line.penalty.items].some((i) => i.id === item.itemId)) throw new ScoringInputError(`item ${item.itemId} for ${item.unitId}: the ${line.line} line has no such item`);
    if (item.count !== undefined && !(Number.isFinite(item.count) && item.count >= 0)) throw new ScoringInputError(`item ${item.itemId} for ${item.unitId}: count must be a number >= 0`);
    push(items, item.unitId, item);
  }
  const vetoEvents = new Map<string, VetoEventInput[]>();
  for (const event of inputs.vetoEvents ?? []) {
    const { line } = unitOf(event.unitId, `veto event ${event.vetoId}`);
    if (!line.vetoes.some((v) => v.id === event.vetoId && v.kind === 'event')) throw new ScoringInputError(`veto event ${event.vetoId} for ${event.unitId}: the ${line.line} line has no such event veto`);
    push(vetoEvents, event.unitId, event);
  }

  return {
    value: (unitId, indicatorId, checkId) => asValue(facts.get(factKey(unitId, indicatorId, checkId))),
    grade: (unitId, indicatorId, checkId) => asGrade(facts.get(factKey(unitId, indicatorId, checkId))),
    items: (unitId) => items.get(unitId) ?? [],
    checks: (unitId) => checksByUnit.get(unitId) ?? [],
    vetoEvents: (unitId) => vetoEvents.get(unitId) ?? [],
  };
}

function asValue(fact: IndicatorValueInput | GradeInput | undefined): IndicatorValueInput | undefined {
  return fact !== undefined && 'value' in fact ? fact : undefined;
}

function asGrade(fact: IndicatorValueInput | GradeInput | undefined): GradeInput | undefined {
  return fact !== undefined && 'grade' in fact ? fact : undefined;
}

function factKey(unitId: string, indicatorId: string, checkId: string | undefined): string {
  return JSON.stringify([unitId, indicatorId, checkId ?? null]);
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Code-point order, independent of the locale the engine runs in. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
