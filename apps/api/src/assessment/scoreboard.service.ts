import { ConflictException, NotFoundException } from '@nestjs/common';
import { NoPlanError } from '@sanxian/assessment';
import { explain, ScoringInputError, type BreakdownNode, type IndicatorFacts, type UnitResult, type VetoFinding } from '@sanxian/domain';

/** Maps "no plan" to a 404 and inputs the plan cannot score to a 409, for every assessment endpoint. */
export async function orProblem<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof NoPlanError) throw new NotFoundException(error.message);
    if (error instanceof ScoringInputError) throw new ConflictException(`the year's entries cannot be scored with the current plan: ${error.message}`);
    throw error;
  }
}

// ---- views -------------------------------------------------------------------------------

/** Facts without their (possibly thousands of) evidence ids: the count, and where to page them. */
export function factsView(facts: IndicatorFacts, recordsHref?: string) {
  const { evidenceIds, ...rest } = facts;
  return { ...rest, evidenceCount: evidenceIds.length, ...(recordsHref ? { records: recordsHref } : {}) };
}

export function recordsHref(year: number, unitId: string, indicatorId: string): string {
  return `/v1/scoreboard/units/${encodeURIComponent(unitId)}/indicators/${encodeURIComponent(indicatorId)}/records?year=${year}`;
}

function vetoView(v: VetoFinding) {
  return { vetoId: v.vetoId, name: v.name, ...(v.checkId ? { checkId: v.checkId } : {}), ...(v.value === undefined ? {} : { value: v.value }), ...(v.note ? { note: v.note } : {}), evidenceIds: v.evidenceIds };
}

/** A unit's line on the scoreboard: the numbers, the outcome, the vetoes and the top reasons. */
export function scoreboardEntry(unit: UnitResult, year: number) {
  return {
    unitId: unit.unitId,
    name: unit.name,
    kind: unit.kind,
    group: unit.group,
    rank: unit.rank,
    score: unit.score,
    quality: unit.quality,
    level: unit.level,
    yearEnd: unit.yearEnd,
    regular: unit.regular,
    bonus: unit.bonus,
    penalty: unit.penalty,
    tier: unit.outcome.kind === 'award' ? unit.outcome.tierId : null,
    outcome: unit.outcome,
    vetoes: unit.vetoes.map(vetoView),
    reasons: explain(unit, 3).map((r) => {
      const indicatorId = r.kind === 'indicator' ? r.key.split('/')[2] : undefined;
      return {
        kind: r.kind, key: r.key, name: r.name, lostPoints: r.lostPoints,
        facts: r.facts.map((f) => factsView(f)),
        evidenceCount: r.evidenceIds.length,
        ...(indicatorId ? { records: recordsHref(year, unit.unitId, indicatorId) } : {}),
      };
    }),
  };
}

/** The breakdown tree for the API: every indicator's facts with a link to its records; items' and vetoes' evidence listed. */
export function breakdownView(node: BreakdownNode, year: number, unitId: string): Record<string, unknown> {
  const parts = node.key.split('/');
  const indicatorId = (parts[0] === 'year-end' || parts[0] === 'regular') && parts.length >= 3 ? parts[2] : undefined;
  const { facts, children, ...rest } = node;
  const view: Record<string, unknown> = { ...rest };
  if (facts) {
    view.facts = indicatorId ? factsView(facts, recordsHref(year, unitId, indicatorId)) : { ...facts };
  }
  view.children = children.map((c) => breakdownView(c, year, unitId));
  return view;
}

export function unitView(unit: UnitResult, year: number) {
  return { ...scoreboardEntry(unit, year), line: unit.line, breakdown: breakdownView(unit.breakdown, year, unit.unitId) };
}
