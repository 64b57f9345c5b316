import type { AssessmentLineId, AssessmentPlan, LocalizedName } from './assessment-plan';
import type { AssessmentResult, UnitResult, VetoConditionFinding } from './assessment-result';
import { explain } from './explain';

/**
 * The year's consequences as the county records them when it publishes the results: per unit its
 * outcome (an award tier with its prize, 不奖不惩, 黄牌警告, or 一票否决 with its reasons), and the
 * payout sheet and yellow-card list read from them. Pure: the ledger rows are these, stored.
 */

/** `veto`: the unit was vetoed (一票否决), whatever else follows from it (the plan may add a yellow card). */
export type LedgerOutcomeKind = 'award' | 'no-award' | 'yellow-card' | 'veto';

export interface LedgerOutcome {
  unitId: string;
  unitName: LocalizedName;
  line: AssessmentLineId;
  groupId: string;
  rank: number;
  score: number;
  outcome: LedgerOutcomeKind;
  /** The outcome in the plan's words (the tier's name, 不奖不惩, 黄牌警告). */
  outcomeName: LocalizedName;
  /** Whether the unit got a yellow card: under the plan's bound, or vetoed where the plan gives one on a veto. */
  yellowCard: boolean;
  tierId: string | null;
  /** Yuan; 0 unless awarded. */
  prize: number;
  /** Why a yellow card or veto, in the county's words (Chinese): each veto with its numbers, or the score under the bound. */
  reasons: string[];
}

const INDICATOR_UNITS: Record<string, string> = { 'births-outside-policy': '例' };

/** One met veto condition as numbers: "3例 (3/54 = 55.56‰)". */
function conditionText(c: VetoConditionFinding): string {
  if (c.measure === 'per-thousand') return `${c.numerator}/${c.denominator} = ${c.measured}‰`;
  const unit = INDICATOR_UNITS[c.indicatorId] ?? (c.indicatorId.endsWith('-rate') || c.indicatorId.endsWith('accuracy') ? '%' : '');
  const ratio = c.numerator !== undefined && c.denominator !== undefined && unit === '%' ? ` (${c.numerator}/${c.denominator})` : '';
  return `${c.measured}${unit}${ratio}`;
}

/** Each of a unit's vetoes with the numbers that met it: `一票否决：…，实际 3例（抽查 q3）`. */
export function vetoReasons(unit: UnitResult): string[] {
  return unit.vetoes.map((v) => {
    const found = v.conditions?.map(conditionText).join('，') ?? v.note ?? '';
    const where = v.checkId === undefined ? '' : `（抽查 ${v.checkId}）`;
    return `一票否决：${v.name.zh}${found ? `，实际 ${found}` : ''}${where}`;
  });
}

/** Why a unit got its yellow card: its vetoes with the numbers, or its score under the line's bound with its largest losses. */
export function yellowCardReasons(unit: UnitResult): string {
  if (unit.vetoes.length > 0) return vetoReasons(unit).join('；');
  const losses = explain(unit, 2).filter((r) => r.lostPoints !== null).map((r) => `${r.name.zh} −${r.lostPoints!.toFixed(1)}`);
  return `总分 ${unit.score.toFixed(2)} 低于黄牌线${losses.length ? `（失分最多：${losses.join('；')}）` : ''}`;
}

/** A unit's ledger row, as its result says. */
export function ledgerOutcome(unit: UnitResult): LedgerOutcome {
  const o = unit.outcome;
  const outcome: LedgerOutcomeKind = unit.vetoes.length > 0 ? 'veto' : o.kind;
  return {
    unitId: unit.unitId, unitName: unit.name, line: unit.line, groupId: unit.group, rank: unit.rank, score: unit.score,
    outcome, outcomeName: o.name, yellowCard: o.kind === 'yellow-card',
    tierId: o.kind === 'award' ? o.tierId : null,
    prize: o.kind === 'award' ? o.prize : 0,
    reasons: outcome === 'veto' ? vetoReasons(unit) : o.kind === 'yellow-card' ? [yellowCardReasons(unit)] : [],
  };
}

/** Every unit's ledger row, in the result's order (line by line, group by group, best rank first). */
export function ledgerOutcomes(result: AssessmentResult): LedgerOutcome[] {
  return result.units.map(ledgerOutcome);
}

/** The units paid a prize, in the ledger's order, and what is paid in all (yuan). */
export function payout<T extends Pick<LedgerOutcome, 'outcome' | 'prize'>>(outcomes: readonly T[]): { rows: T[]; total: number } {
  const rows = outcomes.filter((o) => o.outcome === 'award');
  // Prizes are whole yuan or fen: summed in fen so that the total is exact.
  return { rows, total: rows.reduce((fen, o) => fen + Math.round(o.prize * 100), 0) / 100 };
}

/** The units given a yellow card or vetoed, in the ledger's order. */
export function yellowCardList<T extends Pick<LedgerOutcome, 'outcome' | 'yellowCard'>>(outcomes: readonly T[]): T[] {
  return outcomes.filter((o) => o.yellowCard || o.outcome === 'veto');
}

/** A ranking group's name in the plan, by its id. */
export function planGroupNames(plan: AssessmentPlan): Map<string, LocalizedName> {
  return new Map(plan.lines.flatMap((l) => l.rankings.map((g) => [g.id, g.name] as const)));
}

/** What the county decides about people after the year (诫勉谈话, 大会检讨 at the county meeting). */
export type PersonDecisionKind = 'admonition' | 'account-at-meeting';

/** A decision about a person in a year's ledger; a correction names the decision it corrects. */
export interface PersonDecision {
  year: number;
  kind: PersonDecisionKind;
  personName: string;
  post: string;
  /** The plan's unit the person answers for, if any. */
  unitId: string | null;
  /** YYYY-MM-DD. */
  meetingDate: string;
  /** The minutes' or decision document's number, or the meeting's name. */
  meetingReference: string;
  note: string | null;
  /** The decision this row corrects (a new row, never an edit). */
  corrects: string | null;
  /** The corrected decision is void (recorded in error); needs `corrects`. */
  withdrawn: boolean;
}

export const PERSON_DECISION_NAMES: Record<PersonDecisionKind, LocalizedName> = {
  admonition: { zh: '诫勉谈话', en: 'admonished' },
  'account-at-meeting': { zh: '大会检讨', en: 'accounted for themselves at the county meeting' },
};
