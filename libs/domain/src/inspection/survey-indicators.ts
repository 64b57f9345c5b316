import { Z_95 } from './sample-size';
import type { SurveyComparison } from './survey-comparison';

/**
 * A spot check's indicators per village, township and township FP office, each with a 95% confidence
 * interval from the sampling design.
 *
 * The estimator. Households are not drawn one by one: the lottery draws villages in a township and groups
 * (村民小组) in a village, and the team surveys the drawn group's households. Items and births of one group
 * (one village) are alike more often than items drawn at random, so a plain binomial interval would be too
 * narrow. Each share is a ratio estimate p = Σyᵢ / Σmᵢ over the clusters of the unit's first sampling stage
 * below it (a village's drawn groups; a township's drawn villages — the "ultimate cluster" of survey
 * sampling), with the with-replacement linearised variance
 *   v(p) = k / (k − 1) · Σ (yᵢ − p·mᵢ)² / (Σmᵢ)²        (k clusters),
 * its design effect deff = v(p) / (p(1 − p) / Σmᵢ), floored at 1 (Korn & Graubard), and the Wilson score
 * interval at the effective sample size Σmᵢ / deff. Wilson rather than p ± 1.96·√v: it stays within [0, 1]
 * and keeps its coverage near 0% and 100%, where agreement shares sit. With one cluster the design effect
 * cannot be estimated: deff is taken as 1 and the interval is then the plain Wilson interval (said by
 * `clusters: 1`). Villages and groups are drawn with equal chances within a township, so the sample is
 * treated as self-weighting (no weights).
 */

export interface ClusterCount {
  /** Items that agree, or births the registry has. */
  y: number;
  /** Items compared, or births found. */
  m: number;
}

export interface IntervalEstimate {
  /** The share, 0–1; null when nothing was counted. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  numerator: number;
  denominator: number;
  clusters: number;
  designEffect: number;
}

export function wilsonInterval(p: number, n: number, z = Z_95): { lower: number; upper: number } {
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** The cluster-sample ratio estimate with its design-effect-adjusted Wilson interval (see above). */
export function clusterRatioInterval(clusters: readonly ClusterCount[], z = Z_95): IntervalEstimate {
  const counted = clusters.filter((c) => c.m > 0);
  const numerator = counted.reduce((s, c) => s + c.y, 0);
  const denominator = counted.reduce((s, c) => s + c.m, 0);
  const k = counted.length;
  if (denominator === 0) return { estimate: null, lower: null, upper: null, numerator, denominator, clusters: k, designEffect: 1 };
  const p = numerator / denominator;
  let designEffect = 1;
  const srsVariance = (p * (1 - p)) / denominator;
  if (k > 1 && srsVariance > 0) {
    const squares = counted.reduce((s, c) => s + (c.y - p * c.m) ** 2, 0);
    const variance = ((k / (k - 1)) * squares) / (denominator * denominator);
    designEffect = Math.max(1, variance / srsVariance);
  }
  const { lower, upper } = wilsonInterval(p, denominator / designEffect, z);
  return { estimate: p, lower, upper, numerator, denominator, clusters: k, designEffect };
}

export type SurveyUnitLevel = 'village' | 'township' | 'fp-office';

/** The indicators of one unit. Shares in percent, as the plan scores them. */
export interface SurveyUnitIndicators {
  unitId: string;
  level: SurveyUnitLevel;
  returnIds: string[];
  /** Share of compared items that agree with the registry (信息系统数据准确率 as spot checks measure it). */
  itemAgreement: PercentEstimate;
  /** 出生统计求实率: births the registry has / births the survey found × 100. */
  birthAccuracy: PercentEstimate;
  /** Births the survey found that the registry lacks. */
  missedBirths: number;
  /** Persons the survey found that the registry lacks. */
  missedPersons: number;
  findings: number;
}

/** An IntervalEstimate in percent (0–100), as the plan scores shares: `value` for the estimate. */
export interface PercentEstimate extends Omit<IntervalEstimate, 'estimate'> {
  value: number | null;
}

/** A compared return and where its village lies. */
export interface LocatedComparison {
  townshipCode: string;
  comparison: SurveyComparison;
}

/** The unit id of a township's FP office in the assessment plan. */
export function fpOfficeUnitId(townshipCode: string): string {
  return `${townshipCode}.fpo`;
}

/**
 * Every village, township and FP office the returns cover, with their indicators. A township's figures and
 * its FP office's are the same survey (the office keeps the township's registry); both are listed because
 * the plan scores both units.
 */
export function surveyIndicators(returns: readonly LocatedComparison[]): SurveyUnitIndicators[] {
  const byVillage = new Map<string, LocatedComparison[]>();
  const byTownship = new Map<string, LocatedComparison[]>();
  for (const located of returns) {
    push(byVillage, located.comparison.villageCode, located);
    push(byTownship, located.townshipCode, located);
  }
  const units: SurveyUnitIndicators[] = [];
  for (const [villageCode, located] of [...byVillage].sort(byKey)) {
    units.push(unitIndicators(villageCode, 'village', located, (item) => item.groupCode));
  }
  for (const [townshipCode, located] of [...byTownship].sort(byKey)) {
    const township = unitIndicators(townshipCode, 'township', located, (_item, comparison) => comparison.villageCode);
    units.push(township, { ...township, unitId: fpOfficeUnitId(townshipCode), level: 'fp-office' });
  }
  return units;
}

function unitIndicators(
  unitId: string,
  level: SurveyUnitLevel,
  located: readonly LocatedComparison[],
  clusterOf: (entry: { groupCode: string }, comparison: SurveyComparison) => string,
): SurveyUnitIndicators {
  const items = new Map<string, ClusterCount>();
  const births = new Map<string, ClusterCount>();
  let missedBirths = 0, missedPersons = 0, findings = 0;
  for (const { comparison } of located) {
    for (const item of comparison.items) count(items, clusterOf(item, comparison), item.agrees);
    for (const birth of comparison.births) count(births, clusterOf(birth, comparison), birth.registered);
    missedBirths += comparison.births.filter((b) => !b.registered).length;
    missedPersons += comparison.findings.filter((f) => f.kind === 'person-not-in-registry').length;
    findings += comparison.findings.length;
  }
  return {
    unitId,
    level,
    returnIds: located.map((l) => l.comparison.returnId).sort(),
    itemAgreement: percent(clusterRatioInterval([...items.values()])),
    birthAccuracy: percent(clusterRatioInterval([...births.values()])),
    missedBirths,
    missedPersons,
    findings,
  };
}

function percent({ estimate, ...rest }: IntervalEstimate): PercentEstimate {
  const scale = (x: number | null) => (x === null ? null : Math.round(x * 1e6) / 1e4);
  return { ...rest, value: scale(estimate), lower: scale(rest.lower), upper: scale(rest.upper) };
}

function count(clusters: Map<string, ClusterCount>, key: string, yes: boolean): void {
  const cluster = clusters.get(key) ?? { y: 0, m: 0 };
  cluster.m += 1;
  if (yes) cluster.y += 1;
  clusters.set(key, cluster);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function byKey<V>(a: [string, V], b: [string, V]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
