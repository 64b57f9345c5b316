import { checkPlan, DIMENSIONS, groupHolds, type AssessmentPeriod, type AssessmentPlan, type IndicatorDimension, type ItemList, type LinePlan } from './assessment-plan';
import type { LocalizedName, PlanIndicator, PlanUnit, VetoCondition } from './assessment-plan';
import { ScoringInputError, type AssessmentResult, type BreakdownNode, type IndicatorFacts, type ItemInput } from './assessment-result';
import type { IndicatorValueInput, RegularCheckInput, ScoringInputs, VetoConditionFinding, VetoFinding } from './assessment-result';
import { indexInputs, type FactIndex } from './fact-index';
import { rankGroup, type ScoredUnit } from './ranking';
import { roundPoints, ruleFraction } from './scoring-rule';

const NAMES = {
  total: { zh: '总分', en: 'total' },
  'year-end': { zh: '年终考核', en: 'year-end assessment' },
  regular: { zh: '平时考核', en: 'regular checks' },
  quality: { zh: '工作质量', en: 'quality' },
  level: { zh: '工作水平', en: 'level' },
  bonus: { zh: '加分', en: 'bonus' },
  penalty: { zh: '减分', en: 'penalty' },
} satisfies Record<string, LocalizedName>;

/**
 * Scores every unit of every line by the plan's "four combinations": quality and level sub-scores
 * merged by the plan's weights, year-end and regular checks merged by its ratio, qualitative grades
 * as points or factors, bonus and penalty within caps; then the veto, ranks, tiers and quotas.
 * Every number is rounded to 2 decimals as it is computed, so a hand calculation matches.
 */
export function scoreAssessment(plan: AssessmentPlan, inputs: ScoringInputs): AssessmentResult {
  const problems = checkPlan(plan);
  if (problems.length > 0) throw new ScoringInputError(`plan ${plan.id} v${plan.version} is inconsistent: ${problems.join('; ')}`);
  const facts = indexInputs(plan, inputs);
  const units = plan.lines.flatMap((line) => {
    const scored = line.units.map((unit) => ({ unit, result: scoreUnit(line, unit, facts) }));
    return line.rankings.flatMap((group) => rankGroup(group, scored.filter(({ unit }) => groupHolds(group, unit)).map(({ result }) => result)));
  });
  return { planId: plan.id, version: plan.version, year: plan.year, units };
}

/** One unit being scored: its line, the indicators that apply to it, the regular checks that covered it. */
interface UnitScope {
  line: LinePlan;
  unit: PlanUnit;
  facts: FactIndex;
  indicators: PlanIndicator[];
  checks: RegularCheckInput[];
}

function scoreUnit(line: LinePlan, unit: PlanUnit, facts: FactIndex): ScoredUnit {
  const indicators = line.indicators.filter((i) => i.appliesTo === undefined || i.appliesTo.includes(unit.kind));
  const scope: UnitScope = { line, unit, facts, indicators, checks: facts.checks(unit.id) };
  const yearEnd = periodNode(scope, 'year-end');
  const { node: regular, note } = regularNode(scope);
  const periods = [yearEnd, regular].filter((p): p is BreakdownNode => p !== undefined);
  setShares(periods, (p) => (p.key === 'year-end' ? line.periods.yearEnd : line.periods.regular));
  const bonus = itemsNode('bonus', line.bonus, facts.items(unit.id));
  const penalty = itemsNode('penalty', line.penalty, facts.items(unit.id));
  const base = periods.reduce((sum, p) => sum + (p.weight ?? 0) * p.score, 0);
  const breakdown: BreakdownNode = {
    key: 'total',
    name: NAMES.total,
    score: roundPoints(Math.max(0, base + bonus.score - penalty.score)),
    max: 100 + line.bonus.cap,
    note,
    children: [...periods, bonus, penalty],
  };
  spreadLosses(breakdown);
  return {
    unitId: unit.id,
    name: unit.name,
    kind: unit.kind,
    line: line.line,
    score: breakdown.score,
    quality: acrossPeriods(periods, 'quality'),
    level: acrossPeriods(periods, 'level'),
    yearEnd: yearEnd?.score ?? 0,
    regular: regular?.score ?? null,
    bonus: bonus.score,
    penalty: penalty.score,
    vetoes: vetoFindings(scope),
    breakdown,
  };
}

/**
 * The regular checks' node; absent when none of the unit's indicators is checked regularly, or when
 * no check covered the unit and the plan then scores year end alone (said in `note`).
 */
function regularNode(scope: UnitScope): { node?: BreakdownNode; note?: string } {
  const { line, indicators, checks } = scope;
  if (!indicators.some((i) => i.periods.includes('regular'))) return {};
  if (checks.length > 0) return { node: periodNode(scope, 'regular') };
  if (line.periods.whenNotChecked === 'year-end-only') return { note: 'not covered by any regular check: scored on the year-end assessment alone' };
  return { node: { key: 'regular', name: NAMES.regular, score: 0, max: 100, note: 'not covered by any regular check', children: [] } };
}

/** A period's score: its dimensions' sub-scores by the plan's weights (a dimension with no indicator for the unit drops out). */
function periodNode(scope: UnitScope, period: AssessmentPeriod): BreakdownNode | undefined {
  const { line, indicators } = scope;
  const present = DIMENSIONS.filter((d) => indicators.some((i) => i.dimension === d && i.periods.includes(period)));
  if (present.length === 0) return undefined;
  const dimensions = present.map((dimension) => {
    const scored = indicators.filter((i) => i.dimension === dimension && i.periods.includes(period));
    const nodes = scored.map((indicator) => indicatorNode(scope, indicator, period));
    return dimensionNode(line, period, dimension, scored, nodes);
  });
  setShares(dimensions, (_, i) => line.weights[present[i]]);
  const score = roundPoints(dimensions.reduce((sum, d) => sum + (d.weight ?? 0) * d.score, 0));
  return { key: period, name: NAMES[period], score, max: 100, children: dimensions };
}

/**
 * A dimension's sub-score out of 100: points earned over points available; in factor mode, the
 * quantitative part times each qualitative grade's factor. Each child's `lost` is set here in
 * sub-score points, and scaled to total points by spreadLosses.
 */
function dimensionNode(line: LinePlan, period: AssessmentPeriod, dimension: IndicatorDimension, indicators: PlanIndicator[], nodes: BreakdownNode[]): BreakdownNode {
  const asFactor = (i: number) => line.qualitative.combine === 'factor' && indicators[i].kind === 'qualitative';
  const counted = nodes.filter((_, i) => !asFactor(i));
  const factors = nodes.filter((_, i) => asFactor(i));
  const available = counted.reduce((sum, n) => sum + n.max, 0);
  const quantitative = available > 0 ? (100 * counted.reduce((sum, n) => sum + n.score, 0)) / available : 100;
  for (const node of counted) {
    node.weight = 100 / available;
    node.lost = Math.max(0, (node.max - node.score) * node.weight);
  }
  const product = (skip?: BreakdownNode) => factors.reduce((p, n) => (n === skip ? p : p * (n.factor ?? 1)), 1);
  for (const node of factors) node.lost = quantitative * product(node) * (1 - (node.factor ?? 1));
  return { key: `${period}/${dimension}`, name: NAMES[dimension], score: roundPoints(quantitative * product()), max: 100, children: nodes };
}

/** An indicator's score in one period; in the regular period, the mean of what each check found. */
function indicatorNode(scope: UnitScope, indicator: PlanIndicator, period: AssessmentPeriod): BreakdownNode {
  const key = `${period}/${indicator.dimension}/${indicator.id}`;
  const checks = period === 'year-end' ? [undefined] : scope.checks.filter((check) => measures(check, scope.unit.id, indicator.id));
  const observations = checks.map((check) => observe(scope, indicator, check));
  const fraction = observations.length === 0 ? 0 : observations.reduce((sum, o) => sum + o.fraction, 0) / observations.length;
  const checkNodes = observations.map(({ fraction: f, facts: found }) => ({
    key: `${key}/${found.checkId}`,
    name: { zh: `检查 ${found.checkId}`, en: `check ${found.checkId}` },
    score: roundPoints(indicator.points * f),
    max: indicator.points,
    fraction: shownFraction(f),
    facts: found,
    children: [],
  }));
  const asFactor = indicator.kind === 'qualitative' && scope.line.qualitative.combine === 'factor';
  return {
    key,
    name: indicator.name,
    score: asFactor ? fraction : roundPoints(indicator.points * fraction),
    max: asFactor ? 1 : indicator.points,
    fraction: shownFraction(fraction),
    factor: asFactor ? fraction : undefined,
    facts: period === 'year-end' ? observations[0].facts : undefined,
    note: observations.length === 0 ? 'not measured by any regular check that covered the unit' : undefined,
    children: period === 'year-end' ? [] : checkNodes,
  };
}

/** Whether a regular check counts for a unit's indicator: it measured the indicator, and no campaign replaced it there. */
function measures(check: RegularCheckInput, unitId: string, indicatorId: string): boolean {
  if (check.indicatorIds !== undefined && !check.indicatorIds.includes(indicatorId)) return false;
  return !(check.replaced ?? []).some((r) => r.unitId === unitId && r.indicatorId === indicatorId);
}

function observe({ line, unit, facts }: UnitScope, indicator: PlanIndicator, check: RegularCheckInput | undefined): { fraction: number; facts: IndicatorFacts } {
  const checkId = check?.checkId;
  const checkEvidence = check?.evidenceIds ?? [];
  if (indicator.kind === 'qualitative' || indicator.scoring === undefined) {
    const graded = facts.grade(unit.id, indicator.id, checkId);
    if (graded === undefined) return { fraction: 0, facts: { checkId, problem: 'no grade', evidenceIds: evidence(checkEvidence) } };
    const found = { checkId, grade: graded.grade, evidenceIds: evidence(graded.evidenceIds, checkEvidence) };
    return { fraction: line.qualitative.grades[graded.grade], facts: found };
  }
  const input = facts.value(unit.id, indicator.id, checkId);
  if (input === undefined) return { fraction: 0, facts: { checkId, problem: 'no value', evidenceIds: evidence(checkEvidence) } };
  // The published plan's target wins over one sent with the value.
  const target = indicator.target?.byUnit?.[unit.id] ?? indicator.target?.default ?? input.target;
  const found: IndicatorFacts = {
    checkId,
    value: input.value,
    numerator: input.numerator,
    denominator: input.denominator,
    target,
    evidenceIds: evidence(input.evidenceIds, checkEvidence),
  };
  const fraction = ruleFraction(indicator.scoring, input.value, target);
  return fraction === undefined ? { fraction: 0, facts: { ...found, problem: 'no target' } } : { fraction, facts: found };
}

/** Bonus or penalty: each item's points (count × points each, within the item's maximum), all within the list's cap. */
function itemsNode(kind: 'bonus' | 'penalty', list: ItemList, found: ItemInput[]): BreakdownNode {
  const children = list.items.flatMap((item): BreakdownNode[] => {
    const inputs = found.filter((f) => f.itemId === item.id);
    if (inputs.length === 0) return [];
    const count = inputs.reduce((sum, f) => sum + (f.count ?? 1), 0);
    const score = roundPoints(Math.min(item.pointsEach * count, item.maxPoints ?? Infinity));
    const notes = inputs.flatMap((f) => (f.note === undefined ? [] : [f.note])).sort();
    return [{
      key: `${kind}/${item.id}`,
      name: item.name,
      score,
      max: item.maxPoints ?? score,
      note: notes.length > 0 ? notes.join('; ') : undefined,
      facts: { value: count, evidenceIds: evidence(...inputs.map((f) => f.evidenceIds)) },
      children: [],
    }];
  });
  const sum = children.reduce((total, c) => total + c.score, 0);
  const score = roundPoints(Math.min(list.cap, sum));
  const note = sum > list.cap ? `${roundPoints(sum)} found, capped at ${list.cap}` : undefined;
  return { key: kind, name: NAMES[kind], score, max: list.cap, weight: kind === 'bonus' ? 1 : -1, note, children };
}

function vetoFindings({ line, unit, facts, indicators, checks }: UnitScope): VetoFinding[] {
  return line.vetoes.flatMap((rule): VetoFinding[] => {
    if (rule.appliesTo !== undefined && !rule.appliesTo.includes(unit.kind)) return [];
    if (rule.kind === 'event') {
      const events = facts.vetoEvents(unit.id).filter((e) => e.vetoId === rule.id);
      if (events.length === 0) return [];
      const notes = events.flatMap((e) => (e.note === undefined ? [] : [e.note])).sort();
      return [{ vetoId: rule.id, name: rule.name, evidenceIds: evidence(...events.map((e) => e.evidenceIds)), note: notes.join('; ') || undefined }];
    }
    const conditions = [rule, ...(rule.and ?? [])];
    if (!conditions.every((c) => indicators.some((i) => i.id === c.indicatorId))) return [];
    // At year end and in each regular check, every condition on what was found then.
    return [undefined, ...checks.map((c) => c.checkId)].flatMap((checkId): VetoFinding[] => {
      const met = conditions.map((condition) => metCondition(condition, facts.value(unit.id, condition.indicatorId, checkId)));
      if (met.some((m) => m === undefined)) return [];
      const found = met as MetCondition[];
      return [{
        vetoId: rule.id, name: rule.name, checkId, value: found[0].measured, conditions: found.map((m) => m.finding),
        evidenceIds: evidence(...found.map((m) => m.evidenceIds)),
      }];
    });
  });
}

interface MetCondition {
  measured: number;
  finding: VetoConditionFinding;
  evidenceIds?: readonly string[];
}

/**
 * The condition's measure on the value found, when it crosses the bound; undefined otherwise. A
 * rate per thousand needs a numerator and a denominator: with no births there is no rate to veto.
 */
function metCondition(condition: VetoCondition, input: IndicatorValueInput | undefined): MetCondition | undefined {
  if (input === undefined) return undefined;
  const measure = condition.measure ?? 'value';
  let measured = input.value;
  if (measure === 'per-thousand') {
    if (input.numerator === undefined || input.denominator === undefined || !(input.denominator > 0)) return undefined;
    measured = roundPoints((1000 * input.numerator) / input.denominator);
  }
  // A sampled value crosses the bound only with its whole interval (see IndicatorValueInput.interval).
  const sampled = measure === 'value' ? input.interval : undefined;
  const crosses = condition.op === 'above' ? (sampled?.lower ?? measured) > condition.bound : (sampled?.upper ?? measured) < condition.bound;
  if (!crosses) return undefined;
  const finding: VetoConditionFinding = {
    indicatorId: condition.indicatorId, measure, op: condition.op, bound: condition.bound, measured,
    value: input.value, numerator: input.numerator, denominator: input.denominator,
  };
  return { measured, finding, evidenceIds: input.evidenceIds };
}

/** Sets each node's `weight` to its plan weight's share among the nodes present, so the shares sum to 1. */
function setShares(nodes: BreakdownNode[], planWeight: (node: BreakdownNode, index: number) => number): void {
  const weights = nodes.map(planWeight);
  const sum = weights.reduce((total, w) => total + w, 0);
  nodes.forEach((node, i) => (node.weight = sum > 0 ? weights[i] / sum : 1 / nodes.length));
}

/** Converts each loss to total points: an indicator's sub-score loss times its dimension's and period's shares. */
function spreadLosses(total: BreakdownNode): void {
  for (const child of total.children) {
    if (child.key === 'bonus') continue;
    if (child.key === 'penalty') {
      // A capped penalty costs the cap, shared by the items in proportion.
      const found = child.children.reduce((sum, c) => sum + c.score, 0);
      for (const item of child.children) item.lost = roundPoints(found > 0 ? (item.score * child.score) / found : 0);
      child.lost = child.score;
      continue;
    }
    const periodShare = child.weight ?? 0;
    child.lost = roundPoints(Math.max(0, child.max - child.score) * periodShare);
    for (const dimension of child.children) {
      const share = periodShare * (dimension.weight ?? 0);
      dimension.lost = roundPoints(Math.max(0, dimension.max - dimension.score) * share);
      for (const indicator of dimension.children) indicator.lost = roundPoints((indicator.lost ?? 0) * share);
    }
  }
}

/** A dimension's sub-score over both periods, by their shares; null when no period has it. */
function acrossPeriods(periods: BreakdownNode[], dimension: IndicatorDimension): number | null {
  const found = periods.flatMap((p) => p.children.filter((d) => d.key === `${p.key}/${dimension}`).map((d) => ({ share: p.weight ?? 0, score: d.score })));
  const shares = found.reduce((sum, f) => sum + f.share, 0);
  if (found.length === 0) return null;
  return roundPoints(shares > 0 ? found.reduce((sum, f) => sum + f.share * f.score, 0) / shares : found[0].score);
}

/** Shares are shown to 6 decimals: 0.375, not 0.37500000000000056. */
function shownFraction(fraction: number): number {
  return Number(fraction.toFixed(6));
}

/** Evidence ids in a stable order, whatever order the inputs came in. */
function evidence(...lists: (readonly string[] | undefined)[]): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort();
}
