import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AssessmentService, LedgerService, PublishedAlreadyError, scoringInputs } from '@sanxian/assessment';
import { scoreAssessment, ScoringInputError } from '@sanxian/domain';
import { AssessmentRepository, IndicatorRepository, PublicationStale, StaffRepository, WithdrawalRefused, type AssessorInputRow } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { invalidFields } from '../reconciliation/staff-request-validator';
import { serialParam, yearParam } from './assessment-params';
import { AssessmentRequestValidator } from './assessment-request-validator';
import { assessorInputIssues } from './assessor-input-check';
import { orProblem } from './scoreboard.service';

function inputView(row: AssessorInputRow) {
  return { id: row.id, type: row.type, unitId: row.unitId, body: row.body, enteredBy: row.enteredBy, enteredAt: row.enteredAt };
}

const INPUT_SCHEMA = {
  type: 'object',
  required: ['type'],
  description: 'schemas/staff/assessor-input.schema.json: which fields each type takes',
  properties: {
    type: { type: 'string', enum: ['grade', 'item', 'value', 'check', 'veto-event'] },
    unitId: { type: 'string', example: '511325101' },
    indicatorId: { type: 'string', example: 'publicity-education' },
    grade: { type: 'string', enum: ['A', 'B', 'C', 'D'] },
    value: { type: 'number' },
    numerator: { type: 'number' },
    denominator: { type: 'number' },
    itemId: { type: 'string' },
    count: { type: 'integer' },
    vetoId: { type: 'string' },
    checkId: { type: 'string' },
    date: { type: 'string', format: 'date' },
    unitIds: { type: 'array', items: { type: 'string' } },
    evidenceIds: { type: 'array', items: { type: 'string' } },
    note: { type: 'string' },
  },
};

/**
 * What assessors enter for a year (grades, bonus and penalty items, entered values, regular
 * checks, veto events), against the year's plan, audited; closed once the year's results are
 * published, which freezes them.
 */
@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@ApiResponse({ status: 404, description: 'no plan published for the year' })
@UseGuards(StaffAuthGuard)
@Controller('v1/assessments')
export class AssessmentInputController {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly plans: AssessmentRepository,
    private readonly indicators: IndicatorRepository,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: AssessmentRequestValidator,
    private readonly ledger: LedgerService,
  ) {}

  @Get(':year/inputs')
  @Access('assessment-inputs.list')
  @ApiOperation({ summary: "Everything assessors entered for the year's plan, oldest first" })
  @ApiParam({ name: 'year', example: 2026 })
  async list(@Param('year') year: string) {
    const y = yearParam(year);
    return orProblem(async () => {
      const { plan } = await this.assessment.planFor(y);
      const [rows, publication, withdrawals] = await Promise.all([this.plans.inputs(plan.id, y), this.plans.publication(plan.id, y), this.plans.withdrawals(plan.id, y)]);
      return { year: y, planId: plan.id, closed: publication !== undefined, items: rows.map(inputView), withdrawals };
    });
  }

  @Post(':year/inputs')
  @Access('assessment-inputs.enter')
  @ApiOperation({ summary: 'Enter a grade, a bonus or penalty item, an entered value, a regular check or a veto event for the year (audited)' })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiBody({ schema: INPUT_SCHEMA })
  @ApiResponse({ status: 201, description: 'entered' })
  @ApiResponse({ status: 400, description: 'a field is invalid or does not fit the plan: `errors` names each' })
  @ApiResponse({ status: 409, description: "the year's results are published (input is closed), or the entry repeats one" })
  async enter(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string, @Body() raw: unknown) {
    const y = yearParam(year);
    const body = this.bodies.parse('assessor-input', raw);
    return orProblem(async () => {
      const { stored, plan } = await this.assessment.planFor(y);
      const publication = await this.plans.publication(plan.id, y);
      if (publication) throw new ConflictException(`the ${y} results were published at ${publication.publishedAt.toISOString()}: assessors' input for ${y} is closed`);
      const entered = await this.plans.inputs(plan.id, y);
      const issues = assessorInputIssues(plan, body, entered);
      const conflict = issues.find((i) => i.conflict);
      if (conflict) throw new ConflictException({ message: `${conflict.field}: ${conflict.message}`, errors: [{ field: conflict.field, message: conflict.message }] });
      if (issues.length) throw invalidFields(issues.map(({ field, message }) => ({ field, message })));

      // Whatever else the engine would refuse, it refuses now rather than break the year's scoreboard.
      const candidate: AssessorInputRow = { id: 'new', type: body.type, unitId: body.unitId ?? null, body: { ...body }, enteredBy: staff.userId, enteredAt: new Date() };
      try {
        scoreAssessment(plan, scoringInputs(await this.indicators.values(plan.id, y), [...entered, candidate]));
      } catch (error) {
        if (error instanceof ScoringInputError) throw new UnprocessableEntityException(`the entry cannot be scored with plan ${plan.id} v${stored.version}: ${error.message}`);
        throw error;
      }
      const row = await this.plans.addInput(plan.id, y, body.type, body.unitId ?? null, body, staff.userId);
      await this.staffUsers.audit({ ...auditUser(staff), action: 'assessment.input', target: `${plan.id}/${y}/input/${row.id}`, detail: { ...body } });
      return inputView(row);
    });
  }

  @Post(':year/inputs/:inputId/withdrawal')
  @Access('assessment-inputs.withdraw')
  @HttpCode(201)
  @ApiOperation({ summary: "Withdraw an entry before the year's results are published, with the reason (audited): the entry stays as entered, scoring leaves it out" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiParam({ name: 'inputId', example: '42' })
  @ApiBody({ schema: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', example: '误录：检查属于2025年度' } } } })
  @ApiResponse({ status: 201, description: 'withdrawn' })
  @ApiResponse({ status: 400, description: '`reason` is missing or blank' })
  @ApiResponse({ status: 404, description: 'no such entry for the year' })
  @ApiResponse({ status: 409, description: "withdrawn already, or the year's results are published" })
  async withdraw(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string, @Param('inputId') inputId: string, @Body() raw: unknown) {
    const y = yearParam(year);
    const id = serialParam('inputId', inputId);
    const { reason } = this.bodies.parse('assessor-input-withdrawal', raw);
    return orProblem(async () => {
      const withdrawal = await this.ledger.withdraw(y, id, reason, staff.userId).catch((error: unknown) => {
        if (!(error instanceof WithdrawalRefused)) throw error;
        throw error.reason === 'not-found' ? new NotFoundException(error.message) : new ConflictException(error.message);
      });
      await this.staffUsers.audit({ ...auditUser(staff), action: 'assessment.input-withdrawal', target: `${y}/input/${id}`, detail: { reason } });
      return withdrawal;
    });
  }

  @Get(':year/publication')
  @Access('assessment-publication.read')
  @ApiOperation({ summary: "Whether the year's results are published (frozen), when and on which plan version" })
  @ApiParam({ name: 'year', example: 2026 })
  async publicationStatus(@Param('year') year: string) {
    const y = yearParam(year);
    return orProblem(async () => {
      const { plan } = await this.assessment.planFor(y);
      const publication = await this.plans.publication(plan.id, y);
      return { year: y, planId: plan.id, published: publication !== undefined, publishedAt: publication?.publishedAt ?? null, planVersion: publication?.planVersion ?? null };
    });
  }

  @Post(':year/publication')
  @Access('assessment-publication.publish')
  @HttpCode(201)
  @ApiOperation({ summary: "Publish the year's results as scored now: they are frozen (the scoreboard keeps showing them), each unit's outcome is recorded in the year's ledger, and assessors' input closes" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiBody({ required: false, schema: { type: 'object', properties: { comment: { type: 'string' } } } })
  @ApiResponse({ status: 201, description: 'published' })
  @ApiResponse({ status: 409, description: 'published already, or an entry was made or withdrawn while publishing (publish again)' })
  async publish(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string, @Body() raw: unknown) {
    const y = yearParam(year);
    const { comment } = this.bodies.parse('assessment-publication-request', raw);
    return orProblem(async () => {
      const published = await this.ledger.publish(y, staff.userId).catch(publicationProblem);
      await this.staffUsers.audit({
        ...auditUser(staff), action: 'assessment.publish', target: `${published.planId}/${y}`,
        detail: { planVersion: published.planVersion, units: published.units, prizeTotal: published.prizeTotal, yellowCards: published.yellowCards, comment: comment ?? null },
      });
      return { ...published, published: true };
    });
  }
}

/** A publication refused: published already, or the entries changed while it was scored. */
function publicationProblem(error: unknown): never {
  if (error instanceof PublishedAlreadyError || error instanceof PublicationStale) throw new ConflictException(error.message);
  throw error;
}
