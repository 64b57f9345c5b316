import type { LocalizedName } from './assessment-plan';
import type { BreakdownNode, IndicatorFacts, UnitResult } from './assessment-result';
import { compareText } from './fact-index';

export interface ExplainedReason {
  kind: 'veto' | 'indicator' | 'penalty' | 'period';
  key: string;
  name: LocalizedName;
  /** Points of the total lost; null for a veto, which outweighs any score. */
  lostPoints: number | null;
  facts: IndicatorFacts[];
  evidenceIds: string[];
}

/**
 * Why a unit got its result: every veto first, then the `limit` largest point losses (an
 * indicator short of full marks, a penalty, a regular period it was never checked in).
 */
export function explain(unit: UnitResult, limit = 3): ExplainedReason[] {
  const vetoes = unit.vetoes.map((v): ExplainedReason => ({
    kind: 'veto',
    key: `veto/${v.vetoId}${v.checkId === undefined ? '' : `/${v.checkId}`}`,
    name: v.name,
    lostPoints: null,
    facts: v.value === undefined ? [] : [{ checkId: v.checkId, value: v.value, evidenceIds: v.evidenceIds }],
    evidenceIds: v.evidenceIds,
  }));
  const losses = lossCandidates(unit.breakdown)
    .filter(({ node }) => (node.lost ?? 0) > 0)
    .sort((a, b) => (b.node.lost ?? 0) - (a.node.lost ?? 0) || compareText(a.node.key, b.node.key))
    .slice(0, limit)
    .map(({ kind, node }): ExplainedReason => {
      const facts = [node, ...node.children].flatMap((n) => (n.facts === undefined ? [] : [n.facts]));
      return { kind, key: node.key, name: node.name, lostPoints: node.lost ?? 0, facts, evidenceIds: [...new Set(facts.flatMap((f) => f.evidenceIds))].sort() };
    });
  return [...vetoes, ...losses];
}

type Candidate = { kind: ExplainedReason['kind']; node: BreakdownNode };

function lossCandidates(total: BreakdownNode): Candidate[] {
  return total.children.flatMap((child): Candidate[] => {
    if (child.key === 'bonus') return [];
    if (child.key === 'penalty') return child.children.map((node) => ({ kind: 'penalty', node }));
    if (child.children.length === 0) return [{ kind: 'period', node: child }];
    return child.children.flatMap((dimension) => dimension.children.map((node) => ({ kind: 'indicator', node })));
  });
}
