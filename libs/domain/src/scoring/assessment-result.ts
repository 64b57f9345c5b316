import type { AssessmentLineId, LocalizedName, QualitativeGrade, UnitKind } from './assessment-plan';

/** What the engine scores: facts the hub computed, and what assessors entered, each with its evidence. */
export interface ScoringInputs {
  values: readonly IndicatorValueInput[];
  grades?: readonly GradeInput[];
  items?: readonly ItemInput[];
  regularChecks?: readonly RegularCheckInput[];
  vetoEvents?: readonly VetoEventInput[];
}

/** A quantitative indicator's value for a unit: at year end, or found by one regular check. */
export interface IndicatorValueInput {
  unitId: string;
  indicatorId: string;
  /** Absent for the year-end value. */
  checkId?: string;
  value: number;
  numerator?: number;
  denominator?: number;
  /** Used only when the plan sets no target for the unit. */
  target?: number;
  /**
   * The 95% interval of a value estimated from a sample (a spot check), in the value's unit. A veto
   * on the value is met only when the whole interval crosses the bound: a handful of births surveyed
   * does not show a township below 90% unless even its best case is.
   */
  interval?: { lower: number; upper: number };
  evidenceIds?: readonly string[];
}

export interface GradeInput {
  unitId: string;
  indicatorId: string;
  checkId?: string;
  grade: QualitativeGrade;
  evidenceIds?: readonly string[];
  note?: string;
}

/** A bonus or penalty item found for a unit; `count` times the item's points, default once. */
export interface ItemInput {
  unitId: string;
  itemId: string;
  count?: number;
  evidenceIds: readonly string[];
  note?: string;
}

/** One regular-period check (a spot check, a quarter's computed values) and the units it covered. */
export interface RegularCheckInput {
  checkId: string;
  date?: string;
  unitIds: readonly string[];
  /** The signed check record. */
  evidenceIds?: readonly string[];
  /** The indicators the check measured (a spot-check campaign measures a few); absent: every regular indicator. */
  indicatorIds?: readonly string[];
  /** What a published spot-check campaign replaced in this (typed-in) check: those units' indicators no longer count it. */
  replaced?: readonly CheckReplacement[];
}

/** One unit's indicator in a typed-in check, replaced by a published campaign's result. */
export interface CheckReplacement {
  unitId: string;
  indicatorId: string;
  byCheckId: string;
}

/** A named serious event that triggers an event veto. */
export interface VetoEventInput {
  unitId: string;
  vetoId: string;
  evidenceIds: readonly string[];
  note?: string;
}

export type FactProblem = 'no value' | 'no target' | 'no grade';

/** The facts behind one indicator score, down to the records. */
export interface IndicatorFacts {
  checkId?: string;
  value?: number;
  numerator?: number;
  denominator?: number;
  target?: number;
  grade?: QualitativeGrade;
  problem?: FactProblem;
  evidenceIds: string[];
}

/**
 * One node of a unit's score: its own `score` out of `max`, and the `weight` its parent counts it
 * with (parent = Σ weight × score), or the `factor` it multiplies the parent by. `lost` is what
 * falling short of `max` cost the unit's total, in total points.
 */
export interface BreakdownNode {
  key: string;
  name: LocalizedName;
  score: number;
  max: number;
  weight?: number;
  factor?: number;
  fraction?: number;
  lost?: number;
  note?: string;
  facts?: IndicatorFacts;
  children: BreakdownNode[];
}

export interface VetoFinding {
  vetoId: string;
  name: LocalizedName;
  checkId?: string;
  /** The first condition's measure (an indicator veto). */
  value?: number;
  /** An indicator veto's conditions, each with what was found. */
  conditions?: VetoConditionFinding[];
  evidenceIds: string[];
  note?: string;
}

/** One veto condition as it was met: the measure found against the bound, and the value it came from. */
export interface VetoConditionFinding {
  indicatorId: string;
  measure: 'value' | 'per-thousand';
  op: 'above' | 'below';
  bound: number;
  measured: number;
  value: number;
  numerator?: number;
  denominator?: number;
}

export type UnitOutcome =
  | { kind: 'award'; tierId: string; name: LocalizedName; prize: number }
  | { kind: 'no-award'; name: LocalizedName }
  | { kind: 'yellow-card'; name: LocalizedName; reasons: LocalizedName[] };

export interface UnitResult {
  unitId: string;
  name: LocalizedName;
  kind: UnitKind;
  line: AssessmentLineId;
  group: string;
  /** 1 = best within the group; vetoed units rank after all others. */
  rank: number;
  score: number;
  quality: number | null;
  level: number | null;
  yearEnd: number;
  regular: number | null;
  bonus: number;
  penalty: number;
  vetoes: VetoFinding[];
  outcome: UnitOutcome;
  breakdown: BreakdownNode;
}

export interface AssessmentResult {
  planId: string;
  version: number;
  year: number;
  /** Line by line in plan order, then group by group, best rank first. */
  units: UnitResult[];
}

export class ScoringInputError extends Error {
  override name = 'ScoringInputError';
}
