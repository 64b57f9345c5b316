import { Inject, Injectable, Logger } from '@nestjs/common';
import { censusPopulation, HUB_CONFIG, HubConfig, planSchemaProblems } from '@sanxian/contracts';
import {
  checkPlan,
  computedIndicatorValues,
  scoreAssessment,
  withSpotCheckResults,
  type AssessmentPlan,
  type AssessmentResult,
  type ScoringInputs,
} from '@sanxian/domain';
import { AssessmentRepository, AssessorInputRow, IndicatorRepository, StoredIndicatorValue, StoredPlan, VerificationRepository } from '@sanxian/persistence';
import { SpotCheckResults } from '@sanxian/survey-returns';

/** Days after its event within which a record counts as on time (docs/exchange-contract.md, Timeliness). */
export const ALLOWED_NOTIFICATION_DAYS = 30;

export class PlanInvalidError extends Error {
  constructor(readonly problems: string[]) {
    super(`the plan is not valid: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  }
}

export class NoPlanError extends Error {
  constructor(readonly year: number) {
    super(`no assessment plan is published for ${year}: publish one first (npx sanxian plan publish <file>)`);
  }
}

export interface ComputeSummary {
  planId: string;
  year: number;
  values: number;
  milliseconds: number;
}

/**
 * The assessment's use-cases: publish a plan, compute the hub's own indicators from its facts
 * (set-based, stored with the evidence), and score a year with the engine of libs/domain.
 */
@Injectable()
export class AssessmentService {
  private readonly logger = new Logger(AssessmentService.name);

  constructor(
    private readonly plans: AssessmentRepository,
    private readonly indicators: IndicatorRepository,
    private readonly verification: VerificationRepository,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
    private readonly spotChecks: SpotCheckResults,
  ) {}

  /** Validates (schema, then consistency) and stores the plan as published; never edits one. */
  async publishPlan(document: unknown, staffId: string | null): Promise<StoredPlan> {
    const problems = planSchemaProblems({ ...(document as object), status: 'published', publishedAt: (document as { publishedAt?: string })?.publishedAt ?? new Date().toISOString() });
    if (problems.length) throw new PlanInvalidError(problems);
    const plan = document as AssessmentPlan;
    const inconsistent = checkPlan(plan);
    if (inconsistent.length) throw new PlanInvalidError(inconsistent);
    return this.plans.publishPlan(plan, staffId);
  }

  async planFor(year: number): Promise<{ stored: StoredPlan; plan: AssessmentPlan }> {
    const stored = await this.plans.currentPlan(year);
    if (!stored) throw new NoPlanError(year);
    return { stored, plan: stored.document as unknown as AssessmentPlan };
  }

  /** The plan as it was at `version` (the version a year's results were published with); the current one if that version is not found. */
  async planAtVersion(current: { stored: StoredPlan; plan: AssessmentPlan }, version: number): Promise<AssessmentPlan> {
    if (current.stored.version === version) return current.plan;
    const found = (await this.plans.listPlans()).find((p) => p.id === current.plan.id && p.version === version);
    return (found?.document as unknown as AssessmentPlan | undefined) ?? current.plan;
  }

  /** Recomputes every computed indicator of the year's plan for every unit, replacing the stored values. */
  async computeIndicators(year: number, asOf?: string): Promise<ComputeSummary> {
    const started = Date.now();
    const { plan } = await this.planFor(year);
    const period = { from: plan.assessmentYear.from, to: plan.assessmentYear.to, asOf: asOf ?? this.config.reconcileAsOf ?? new Date().toISOString().slice(0, 10) };
    const [births, deaths, cards, policyCompliantBirths, birthsBySex, discrepanciesDue, registryCompleteness, timeliness, validity, coverage, verificationAnswers] = await Promise.all([
      this.indicators.births(period),
      this.indicators.deaths(period),
      this.indicators.cards(),
      this.indicators.policyCompliantBirths(period),
      this.indicators.birthsBySex(period),
      this.indicators.discrepanciesDue(period),
      this.indicators.registryCompleteness(period),
      this.indicators.timeliness(period, ALLOWED_NOTIFICATION_DAYS),
      this.indicators.validity(period),
      this.indicators.coverage(period),
      this.verification.answerMeasures(period),
    ]);
    const values = computedIndicatorValues(plan, {
      births, deaths, cards, policyCompliantBirths, birthsBySex, discrepanciesDue, registryCompleteness, timeliness, validity, coverage, verificationAnswers,
      countyPopulation: censusPopulation(plan.county.code),
    });
    await this.indicators.replaceValues(plan.id, year, values.map((v) => ({ ...v, checkId: '' })));
    const summary = { planId: plan.id, year, values: values.length, milliseconds: Date.now() - started };
    this.logger.log(`indicators ${plan.id}: ${values.length} value(s) in ${summary.milliseconds} ms`);
    return summary;
  }

  /**
   * The year's results: the plan, the computed values, what assessors entered and the published spot-check
   * campaigns (which replace typed-in regular-check values of the indicators they measure), through the engine.
   */
  async score(year: number): Promise<{ stored: StoredPlan; plan: AssessmentPlan; result: AssessmentResult; values: StoredIndicatorValue[]; inputIds: string[] }> {
    const { stored, plan } = await this.planFor(year);
    const [values, inputs, campaigns] = await Promise.all([this.indicators.values(plan.id, year), this.plans.inputs(plan.id, year), this.spotChecks.publishedResults(year)]);
    return { stored, plan, values, result: scoreAssessment(plan, withSpotCheckResults(plan, scoringInputs(values, inputs), campaigns)), inputIds: inputs.map((i) => i.id) };
  }
}

/** Stored values and assessors' entries as the engine's inputs (the same evidence ids all the way). */
export function scoringInputs(values: readonly StoredIndicatorValue[], inputs: readonly AssessorInputRow[]): ScoringInputs {
  type Mutable = { [K in keyof ScoringInputs]-?: NonNullable<ScoringInputs[K]>[number][] };
  const result: Mutable = { values: [], grades: [], items: [], regularChecks: [], vetoEvents: [] };
  for (const v of values) {
    if (v.value === null) continue;
    result.values.push({
      unitId: v.unitId, indicatorId: v.indicatorId, ...(v.checkId ? { checkId: v.checkId } : {}), value: v.value,
      ...(v.numerator === null ? {} : { numerator: v.numerator }), ...(v.denominator === null ? {} : { denominator: v.denominator }),
      evidenceIds: v.evidence,
    });
  }
  for (const input of inputs) {
    const body = input.body as Record<string, any>;
    const unitId = input.unitId ?? body.unitId;
    switch (input.type) {
      case 'grade':
        result.grades.push({ unitId, indicatorId: body.indicatorId, grade: body.grade, ...(body.checkId ? { checkId: body.checkId } : {}), evidenceIds: body.evidenceIds ?? [], ...(body.note ? { note: body.note } : {}) });
        break;
      case 'item':
        result.items.push({ unitId, itemId: body.itemId, ...(body.count ? { count: body.count } : {}), evidenceIds: body.evidenceIds ?? [], ...(body.note ? { note: body.note } : {}) });
        break;
      case 'value':
        result.values.push({ unitId, indicatorId: body.indicatorId, value: body.value, ...(body.checkId ? { checkId: body.checkId } : {}), ...(body.numerator !== undefined ? { numerator: body.numerator } : {}), ...(body.denominator !== undefined ? { denominator: body.denominator } : {}), evidenceIds: body.evidenceIds ?? [] });
        break;
      case 'check':
        result.regularChecks.push({ checkId: body.checkId, ...(body.date ? { date: body.date } : {}), unitIds: body.unitIds, evidenceIds: body.evidenceIds ?? [] });
        break;
      case 'veto-event':
        result.vetoEvents.push({ unitId, vetoId: body.vetoId, evidenceIds: body.evidenceIds ?? [], ...(body.note ? { note: body.note } : {}) });
        break;
    }
  }
  return result;
}
