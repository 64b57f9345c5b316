import { closingYearInputs, xichong2026 } from '@sanxian/domain/testing';
import type { AssessmentPlan, ScoringInputs } from '@sanxian/domain';
import { AssessmentRepository, IndicatorRepository } from '@sanxian/persistence';
import type { Hub } from './hub-harness';

/**
 * A year ready to close, written straight into the hub's store: the shipped 2026 plan published, the
 * indicator values as the hub would have computed them and the assessors' grades (closingYearInputs:
 * awards, a veto for 古楼镇, a yellow card for 大全镇's score). Returns the plan and those inputs.
 */
export async function prepareClosingYear(hub: Hub, assessorId: string): Promise<{ plan: AssessmentPlan; inputs: Required<Pick<ScoringInputs, 'values' | 'grades'>> }> {
  const plan = xichong2026();
  const inputs = closingYearInputs(plan);
  const entries = hub.api.get(AssessmentRepository);
  await entries.publishPlan(plan, assessorId);
  await hub.api.get(IndicatorRepository).replaceValues(plan.id, plan.year, inputs.values.map((v) => ({
    indicatorId: v.indicatorId, unitId: v.unitId, checkId: '', value: v.value, numerator: v.numerator ?? null, denominator: v.denominator ?? null, evidence: [], note: null,
  })));
  for (const g of inputs.grades) await entries.addInput(plan.id, plan.year, 'grade', g.unitId, { type: 'grade', ...g }, assessorId);
  return { plan, inputs };
}
