import type { AssessmentPlan } from '../scoring/assessment-plan';
import type { CheckReplacement, IndicatorValueInput, RegularCheckInput, ScoringInputs } from '../scoring/assessment-result';
import type { PercentEstimate, SurveyUnitIndicators } from './survey-indicators';

/**
 * A published spot-check campaign in the plan's regular part (年终、平时并举). The campaign is one regular
 * check of the units it covers; it measures the plan's indicators that a household survey measures, and
 * for those units and indicators its results replace what assessors typed in for any other regular check.
 * Indicators it does not measure (a qualitative grade, a computed rate) keep the typed-in checks.
 */

/** The plan's indicators a spot check measures, and which of the survey's figures each one is. */
export const SPOT_CHECK_INDICATORS: Readonly<Record<string, 'birthAccuracy' | 'itemAgreement'>> = {
  'birth-statistics-accuracy': 'birthAccuracy',
  'registry-accuracy': 'itemAgreement',
};

export interface PublishedCampaignResult {
  campaignId: string;
  /** The day it was published (the bureau's meeting), YYYY-MM-DD. */
  date: string;
  /** The indicators per unit (surveyIndicators); villages are not plan units and are skipped. */
  units: readonly SurveyUnitIndicators[];
}

/** The check id a campaign scores under: the evidence id `campaign:<id>` names the same campaign. */
export function campaignCheckId(campaignId: string): string {
  return `campaign-${campaignId}`.slice(0, 64);
}

/** The scoring inputs with every published campaign's results in them (pure; `inputs` is not changed). */
export function withSpotCheckResults(plan: AssessmentPlan, inputs: ScoringInputs, campaigns: readonly PublishedCampaignResult[]): ScoringInputs {
  const planUnits = new Map<string, Set<string>>();
  for (const line of plan.lines) {
    for (const unit of line.units) {
      const regular = line.indicators.filter((i) => i.periods.includes('regular') && (i.appliesTo === undefined || i.appliesTo.includes(unit.kind)) && i.kind !== 'qualitative');
      planUnits.set(unit.id, new Set(regular.map((i) => i.id).filter((id) => id in SPOT_CHECK_INDICATORS)));
    }
  }
  const values: IndicatorValueInput[] = [];
  const checks: RegularCheckInput[] = [];
  /** unit → indicator → the campaign check that now gives it. */
  const replacedBy = new Map<string, Map<string, string>>();
  for (const campaign of [...campaigns].sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1))) {
    const checkId = campaignCheckId(campaign.campaignId);
    const unitIds: string[] = [];
    const measured = new Set<string>();
    const evidence = new Set<string>([`campaign:${campaign.campaignId}`]);
    for (const unit of campaign.units) {
      const indicators = planUnits.get(unit.unitId);
      if (!indicators || indicators.size === 0) continue;
      const unitValues: IndicatorValueInput[] = [];
      for (const indicatorId of indicators) {
        const estimate: PercentEstimate = unit[SPOT_CHECK_INDICATORS[indicatorId]];
        if (estimate.value === null) continue;
        unitValues.push({
          unitId: unit.unitId, indicatorId, checkId, value: estimate.value, numerator: estimate.numerator, denominator: estimate.denominator,
          ...(estimate.lower !== null && estimate.upper !== null ? { interval: { lower: estimate.lower, upper: estimate.upper } } : {}),
          evidenceIds: [`campaign:${campaign.campaignId}`, ...unit.returnIds.map((id) => `return:${id}`)],
        });
      }
      if (unitValues.length === 0) continue;
      unitIds.push(unit.unitId);
      for (const value of unitValues) {
        values.push(value);
        measured.add(value.indicatorId);
        const byUnit = replacedBy.get(unit.unitId) ?? new Map<string, string>();
        byUnit.set(value.indicatorId, checkId);
        replacedBy.set(unit.unitId, byUnit);
      }
      for (const id of unit.returnIds) evidence.add(`return:${id}`);
    }
    if (unitIds.length > 0) checks.push({ checkId, date: campaign.date, unitIds, evidenceIds: [...evidence], indicatorIds: [...measured].sort() });
  }
  const campaignChecks = new Set(checks.map((c) => c.checkId));
  const typedChecks = (inputs.regularChecks ?? []).map((check): RegularCheckInput => {
    const replaced: CheckReplacement[] = [...(check.replaced ?? [])];
    for (const unitId of check.unitIds) {
      for (const [indicatorId, byCheckId] of replacedBy.get(unitId) ?? []) replaced.push({ unitId, indicatorId, byCheckId });
    }
    return replaced.length > 0 ? { ...check, replaced } : check;
  });
  // A typed-in value the campaign replaced is dropped, so the breakdown shows only what counts.
  const keptValues = inputs.values.filter((v) => v.checkId === undefined || campaignChecks.has(v.checkId) || !replacedBy.get(v.unitId)?.has(v.indicatorId));
  return { ...inputs, values: [...keptValues, ...values], regularChecks: [...typedChecks, ...checks] };
}
