import { Body, ConflictException, Controller, Get, NotFoundException, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AssessmentService, LedgerService, NotPublishedError, XLSX_CONTENT_TYPE } from '@sanxian/assessment';
import { PERSON_DECISION_NAMES } from '@sanxian/domain';
import { DecisionCorrectedAlready, DecisionNotFound, StaffRepository, type StoredDecision } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { invalidFields } from '../reconciliation/staff-request-validator';
import { attachment, yearParam } from './assessment-params';
import { AssessmentRequestValidator } from './assessment-request-validator';
import { orProblem } from './scoreboard.service';
import type { PersonDecisionView, Served, YearLedgerView } from '@sanxian/api-types';

function decisionView(d: StoredDecision) {
  return { ...d, kindName: PERSON_DECISION_NAMES[d.kind] };
}

/** A year without published results has no ledger: a 404 to read, a 409 to write to. */
function notPublished(as: 'read' | 'write') {
  return (error: unknown): never => {
    if (error instanceof NotPublishedError) throw as === 'read' ? new NotFoundException(error.message) : new ConflictException(error.message);
    throw error;
  };
}

const DECISION_SCHEMA = {
  type: 'object',
  required: ['kind', 'personName', 'post', 'meetingDate', 'meetingReference'],
  description: 'schemas/staff/person-decision.schema.json',
  properties: {
    kind: { type: 'string', enum: ['admonition', 'account-at-meeting'], description: 'admonition 诫勉谈话; account-at-meeting 大会检讨' },
    personName: { type: 'string', example: '王建华' },
    post: { type: 'string', example: '古楼镇党委书记' },
    unitId: { type: 'string', example: '511325104' },
    meetingDate: { type: 'string', format: 'date', example: '2027-01-20' },
    meetingReference: { type: 'string', example: '西计生〔2027〕3号' },
    note: { type: 'string' },
    corrects: { type: 'string', description: 'the id of the decision this one corrects' },
    withdrawn: { type: 'boolean', description: 'with corrects: the corrected decision is void' },
  },
};

/**
 * The year's consequences, once its results are published: each unit's outcome (award tier and
 * prize, 不奖不惩, 黄牌警告, 一票否决 with its reasons) as recorded at publication, the county's
 * decisions about people (诫勉谈话, 大会检讨), and the payout sheet and yellow-card list as .xlsx.
 * Append-only: a correction is a new decision naming the one it corrects.
 */
@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/assessments')
export class LedgerController {
  constructor(
    private readonly ledger: LedgerService,
    private readonly assessment: AssessmentService,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: AssessmentRequestValidator,
  ) {}

  @Get(':year/ledger')
  @Access('ledger.read')
  @ApiOperation({ summary: "The year's ledger: every unit's outcome as recorded when the results were published, the prize money in total, and the decisions about people (audited: it names them)" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiResponse({ status: 404, description: 'no plan for the year, or its results are not published' })
  async read(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string): Promise<Served<YearLedgerView>> {
    const y = yearParam(year);
    return orProblem(async () => {
      const { plan: _plan, ...ledger } = await this.ledger.yearLedger(y).catch(notPublished('read'));
      await this.staffUsers.audit({ ...auditUser(staff), action: 'ledger.read', target: `${ledger.planId}/${y}`, detail: { decisions: ledger.decisions.length } });
      return { ...ledger, decisions: ledger.decisions.map(decisionView) };
    });
  }

  @Post(':year/ledger/decisions')
  @Access('ledger.decide')
  @ApiOperation({ summary: 'Record a decision about a person (诫勉谈话, 大会检讨 at the county meeting) with the meeting\'s date and reference, or a correction of one (audited, append-only)' })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiBody({ schema: DECISION_SCHEMA })
  @ApiResponse({ status: 201, description: 'recorded' })
  @ApiResponse({ status: 400, description: 'a field is invalid, the unit is not the plan\'s, or `corrects` names no decision of the year: `errors` names each' })
  @ApiResponse({ status: 409, description: 'the year is not published, or the decision named by `corrects` is corrected already' })
  async decide(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string, @Body() raw: unknown): Promise<Served<PersonDecisionView>> {
    const y = yearParam(year);
    const body = this.bodies.parse('person-decision', raw);
    return orProblem(async () => {
      const { plan } = await this.assessment.planFor(y);
      if (body.unitId !== undefined && !plan.lines.some((l) => l.units.some((u) => u.id === body.unitId))) {
        throw invalidFields([{ field: 'unitId', message: `is not a unit of plan ${plan.id}` }]);
      }
      const decision = await this.ledger.recordDecision(y, body, staff.userId).catch((error: unknown) => {
        if (error instanceof DecisionNotFound) throw invalidFields([{ field: 'corrects', message: error.message }]);
        if (error instanceof DecisionCorrectedAlready) throw new ConflictException({ message: `corrects: ${error.message}`, errors: [{ field: 'corrects', message: error.message }] });
        return notPublished('write')(error);
      });
      await this.staffUsers.audit({ ...auditUser(staff), action: 'ledger.decision', target: `${plan.id}/${y}/decision/${decision.id}`, detail: { ...body } });
      return decisionView(decision);
    });
  }

  @Get(':year/ledger.xlsx')
  @Access('ledger.export')
  @ApiOperation({ summary: "The year's payout sheet (unit, tier, amount, total) and yellow-card list (every unit warned or vetoed, with the reasons) as an Excel workbook" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiProduces(XLSX_CONTENT_TYPE)
  @ApiResponse({ status: 404, description: 'no plan for the year, or its results are not published' })
  async workbook(@Res({ passthrough: true }) reply: FastifyReply, @Param('year') year: string): Promise<Buffer> {
    const y = yearParam(year);
    const { buffer, fileName } = await orProblem(() => this.ledger.workbook(y).catch(notPublished('read')));
    reply.header('content-type', XLSX_CONTENT_TYPE);
    reply.header('content-disposition', attachment(fileName));
    return buffer;
  }
}
