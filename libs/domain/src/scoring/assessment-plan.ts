/**
 * The yearly assessment plan as data (`schemas/plan/assessment-plan.schema.json`): published at the
 * start of the year so every unit knows how it will be scored, then frozen (a new version supersedes).
 */

export type AssessmentLineId = 'party-government' | 'business' | 'department';
/**
 * Who is assessed: townships (乡镇党委、政府) and their villages (村(居)两委) on the party-government
 * line, township FP offices (乡镇计生办) and village FP specialists (村专干) on the business line,
 * departments and their stations on the department line.
 */
export type UnitKind = 'township' | 'fp-office' | 'department' | 'station' | 'village' | 'village-fp';

/** The unit kinds a township's targets are decomposed to (目标分解到村), and the kind each lies under. */
export const VILLAGE_KINDS: Readonly<Partial<Record<UnitKind, UnitKind>>> = { village: 'township', 'village-fp': 'fp-office' };
export type IndicatorDimension = 'quality' | 'level';
export type IndicatorKind = 'quantitative-computed' | 'quantitative-entered' | 'qualitative';
export type AssessmentPeriod = 'year-end' | 'regular';
export type Direction = 'higher-is-better' | 'lower-is-better';
export type QualitativeGrade = 'A' | 'B' | 'C' | 'D';

export const QUALITATIVE_GRADES: readonly QualitativeGrade[] = ['A', 'B', 'C', 'D'];
export const DIMENSIONS: readonly IndicatorDimension[] = ['quality', 'level'];

export interface LocalizedName {
  zh: string;
  en: string;
}

export interface AssessmentPlan {
  /** `<county>-<year>`, the same for every version. */
  id: string;
  year: number;
  county: { code: string; name: string };
  version: number;
  status: 'draft' | 'published';
  publishedAt?: string;
  /** The version this one replaces; published versions are never edited. */
  supersedes: number | null;
  assessmentYear: { kind: 'calendar' | 'statistical'; from: string; to: string };
  description?: string;
  lines: LinePlan[];
}

export interface LinePlan {
  line: AssessmentLineId;
  name: LocalizedName;
  units: PlanUnit[];
  weights: Record<IndicatorDimension, number>;
  periods: { yearEnd: number; regular: number; whenNotChecked: 'year-end-only' | 'zero' };
  qualitative: { combine: 'points' | 'factor'; grades: Record<QualitativeGrade, number> };
  indicators: PlanIndicator[];
  bonus: ItemList;
  penalty: ItemList;
  vetoes: VetoRule[];
  rankings: RankingGroup[];
}

export interface PlanUnit {
  id: string;
  name: LocalizedName;
  kind: UnitKind;
  /** A township's 9-digit code, a village's 12-digit one. */
  regionCode?: string;
  /** A station's department; a village's township (party-government line) or FP office (business line). */
  parent?: string;
  /** A station's codes as its department's records carry them (policeStation, facility, registrationOffice). */
  codes?: string[];
}

export interface PlanIndicator {
  id: string;
  name: LocalizedName;
  dimension: IndicatorDimension;
  kind: IndicatorKind;
  points: number;
  unit: 'percent' | 'permille' | 'count' | 'ratio' | 'per-100-females' | 'days' | 'grade';
  periods: AssessmentPeriod[];
  /** Unit kinds scored on it; all of the line's when absent. */
  appliesTo?: UnitKind[];
  target?: { default?: number; byUnit?: Record<string, number> };
  /** Required for quantitative indicators; qualitative ones are graded. */
  scoring?: ScoringRule;
  source?: string;
}

export type ScoringRule =
  | { type: 'ratio-to-target'; direction: Direction; cap: number }
  | { type: 'linear'; direction: Direction; measure?: Measure; full: number; zero: number }
  | { type: 'thresholds'; direction: Direction; measure?: Measure; steps: ThresholdStep[]; otherwise: number }
  | { type: 'pass-fail'; direction: Direction; bound: number };

/** What a rule's bounds are stated in: the value itself, or the value divided by the unit's target. */
export type Measure = 'value' | 'ratio-to-target';

export interface ThresholdStep {
  bound: number;
  fraction: number;
}

export interface ItemList {
  cap: number;
  items: ScoredItem[];
}

export interface ScoredItem {
  id: string;
  name: LocalizedName;
  pointsEach: number;
  maxPoints?: number;
}

/**
 * What a veto condition compares: the indicator's value (a count, a rate), or its numerator per
 * 1,000 of its denominator (e.g. births outside the policy per 1,000 births).
 */
export type VetoMeasure = 'value' | 'per-thousand';

/** One threshold of an indicator veto: the measure strictly above or below the bound. */
export interface VetoCondition {
  indicatorId: string;
  measure?: VetoMeasure;
  op: 'above' | 'below';
  bound: number;
}

export type VetoRule =
  | (VetoCondition & {
      id: string;
      name: LocalizedName;
      kind: 'indicator';
      /** Further conditions that must all hold too (e.g. a count above 2 *and* a rate above 20‰). */
      and?: VetoCondition[];
      /** Unit kinds the veto applies to; all of the line's when absent. */
      appliesTo?: UnitKind[];
    })
  | { id: string; name: LocalizedName; kind: 'event'; appliesTo?: UnitKind[] };

export interface RankingGroup {
  id: string;
  name: LocalizedName;
  unitKinds: UnitKind[];
  /** Only the units under this one: one township's villages, ranked among themselves. */
  parent?: string;
  tiers: AwardTier[];
  noAward: { name: LocalizedName };
  yellowCard: { name: LocalizedName; below: number; onVeto: boolean };
  tieBreak: TieBreakCriterion[];
}

export interface AwardTier {
  id: string;
  name: LocalizedName;
  minScore: number;
  quota: number;
  /** Prize per unit, yuan. */
  prize: number;
}

export type TieBreakCriterion =
  | { by: 'quality' | 'level' | 'year-end' | 'regular' | 'penalty' | 'unit-id' }
  | { by: 'indicator'; indicatorId: string };

/** Whether a ranking group ranks the unit: one of its kinds, and under its parent when it names one. */
export function groupHolds(group: Pick<RankingGroup, 'unitKinds' | 'parent'>, unit: Pick<PlanUnit, 'kind' | 'parent'>): boolean {
  return group.unitKinds.includes(unit.kind) && (group.parent === undefined || unit.parent === group.parent);
}

/** Weights are compared to their sum with this slack, so 0.7 + 0.3 passes. */
const WEIGHT_SLACK = 1e-9;

/**
 * What the schema cannot say: ids that must exist or be unique, weights that must sum to 1, rules
 * and tiers that must be monotone. Empty when the plan is consistent.
 */
export function checkPlan(plan: AssessmentPlan): string[] {
  const problems: string[] = [];
  const unitIds = new Set<string>();
  for (const line of plan.lines) {
    const at = `lines/${line.line}`;
    if (plan.lines.filter((l) => l.line === line.line).length > 1) problems.push(`${at}: line given twice`);
    for (const unit of line.units) {
      if (unitIds.has(unit.id)) problems.push(`${at}: unit ${unit.id} given twice`);
      unitIds.add(unit.id);
    }
    const lineUnits = new Map(line.units.map((u) => [u.id, u]));
    const codes = line.units.flatMap((u) => u.codes ?? []);
    if (new Set(codes).size !== codes.length) problems.push(`${at}: an organisation code is given to two units`);
    for (const unit of line.units) {
      if (unit.parent !== undefined && !lineUnits.has(unit.parent)) problems.push(`${at}: unit ${unit.id} has unknown parent ${unit.parent}`);
      else problems.push(...villageProblems(at, unit, lineUnits));
    }
    if (Math.abs(line.weights.quality + line.weights.level - 1) > WEIGHT_SLACK) problems.push(`${at}: quality and level weights do not sum to 1`);
    if (Math.abs(line.periods.yearEnd + line.periods.regular - 1) > WEIGHT_SLACK) problems.push(`${at}: year-end and regular weights do not sum to 1`);
    const indicators = new Map(line.indicators.map((i) => [i.id, i]));
    if (indicators.size !== line.indicators.length) problems.push(`${at}: an indicator id is given twice`);
    for (const indicator of line.indicators) {
      problems.push(...indicatorProblems(`${at}/${indicator.id}`, indicator, line, lineUnits), ...controlNumberProblems(`${at}/${indicator.id}`, indicator, line));
    }
    for (const veto of line.vetoes) {
      if (line.vetoes.filter((v) => v.id === veto.id).length > 1) problems.push(`${at}: veto ${veto.id} given twice`);
      if (veto.kind !== 'indicator') continue;
      for (const condition of [veto, ...(veto.and ?? [])]) {
        const indicator = indicators.get(condition.indicatorId);
        if (indicator === undefined) problems.push(`${at}: veto ${veto.id} names unknown indicator ${condition.indicatorId}`);
        else if (indicator.kind === 'qualitative') problems.push(`${at}: veto ${veto.id} names qualitative indicator ${condition.indicatorId}, which has no value`);
      }
    }
    const itemIds = [...line.bonus.items, ...line.penalty.items].map((i) => i.id);
    if (new Set(itemIds).size !== itemIds.length) problems.push(`${at}: a bonus or penalty item id is given twice`);
    for (const unit of line.units) {
      const groups = line.rankings.filter((g) => groupHolds(g, unit));
      if (groups.length !== 1) problems.push(`${at}: unit ${unit.id} is in ${groups.length} ranking groups, not 1`);
    }
    for (const group of line.rankings) {
      if (group.parent !== undefined && !lineUnits.has(group.parent)) problems.push(`${at}/${group.id}: ranks the units under unknown unit ${group.parent}`);
      for (let i = 1; i < group.tiers.length; i++) {
        if (group.tiers[i].minScore >= group.tiers[i - 1].minScore) problems.push(`${at}/${group.id}: tier ${group.tiers[i].id} must need less than the tier above`);
      }
      for (const criterion of group.tieBreak) {
        if (criterion.by === 'indicator' && !indicators.has(criterion.indicatorId)) problems.push(`${at}/${group.id}: tie-break names unknown indicator ${criterion.indicatorId}`);
      }
    }
  }
  return problems;
}

function indicatorProblems(at: string, indicator: PlanIndicator, line: LinePlan, units: Map<string, PlanUnit>): string[] {
  const problems: string[] = [];
  const qualitative = indicator.kind === 'qualitative';
  if (qualitative === (indicator.scoring !== undefined)) problems.push(`${at}: quantitative indicators need a scoring rule, qualitative ones must not have one`);
  if (qualitative && line.qualitative.combine === 'factor' && indicator.points !== 0) problems.push(`${at}: graded as a factor, so its points must be 0`);
  for (const unitId of Object.keys(indicator.target?.byUnit ?? {})) {
    if (!units.has(unitId)) problems.push(`${at}: target for unknown unit ${unitId}`);
  }
  const rule = indicator.scoring;
  const higher = rule?.direction === 'higher-is-better';
  if (rule?.type === 'linear' && rule.full !== rule.zero && rule.full > rule.zero !== higher) problems.push(`${at}: full and zero bounds contradict the direction`);
  if (rule?.type === 'thresholds') {
    for (let i = 1; i < rule.steps.length; i++) {
      const [above, step] = [rule.steps[i - 1], rule.steps[i]];
      if (step.bound === above.bound || step.bound > above.bound === higher || step.fraction > above.fraction) {
        problems.push(`${at}: threshold steps must go from the best bound and fraction to the worst`);
      }
    }
    if (rule.steps.some((s) => s.fraction < rule.otherwise)) problems.push(`${at}: 'otherwise' must be the lowest fraction`);
  }
  return problems;
}

/** A village must lie in the township of the unit it is under, which must be of the kind villages go under. */
function villageProblems(at: string, unit: PlanUnit, units: Map<string, PlanUnit>): string[] {
  const parentKind = VILLAGE_KINDS[unit.kind];
  if (parentKind === undefined) return [];
  const parent = unit.parent === undefined ? undefined : units.get(unit.parent);
  if (parent === undefined) return [`${at}: ${unit.kind} ${unit.id} needs the ${parentKind} it lies under as its parent`];
  if (parent.kind !== parentKind) return [`${at}: ${unit.kind} ${unit.id} must lie under a ${parentKind}, not ${parent.kind} ${parent.id}`];
  if (!unit.regionCode || unit.regionCode.length !== 12 || !parent.regionCode || !unit.regionCode.startsWith(parent.regionCode)) {
    return [`${at}: ${unit.kind} ${unit.id} needs a 12-digit village code inside ${parent.name.zh} (${parent.regionCode ?? 'no code'})`];
  }
  return [];
}

/**
 * Control numbers handed down to villages (a count target, e.g. births) must add up to their
 * township's: once one village under a unit has its own, every village under it needs one, and
 * the sum must equal the unit's. The problem names the township and the difference.
 */
function controlNumberProblems(at: string, indicator: PlanIndicator, line: LinePlan): string[] {
  const byUnit = indicator.target?.byUnit;
  if (indicator.unit !== 'count' || byUnit === undefined) return [];
  const problems: string[] = [];
  for (const parent of line.units) {
    const villages = line.units.filter((u) => u.parent === parent.id && VILLAGE_KINDS[u.kind] !== undefined);
    const given = villages.filter((v) => byUnit[v.id] !== undefined);
    if (given.length === 0) continue;
    const where = `${parent.name.zh} (${parent.regionCode ?? parent.id})`;
    const missing = villages.filter((v) => byUnit[v.id] === undefined).map((v) => v.id);
    if (missing.length > 0) problems.push(`${at}: the villages of ${where} are given control numbers but ${missing.join(', ')} has none`);
    const own = byUnit[parent.id] ?? indicator.target?.default;
    if (own === undefined) {
      problems.push(`${at}: the villages of ${where} are given control numbers but ${where} has none`);
      continue;
    }
    const sum = given.reduce((total, v) => total + byUnit[v.id], 0);
    const difference = Math.round((sum - own) * 1e6) / 1e6;
    if (difference !== 0) {
      problems.push(`${at}: the villages' control numbers of ${where} add up to ${sum}, ${Math.abs(difference)} ${difference > 0 ? 'more' : 'fewer'} than the township's ${own}`);
    }
  }
  return problems;
}
