import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DiscrepancyRepository, StaffRepository, VerificationRepository, type VerificationRequestRow } from '@sanxian/persistence';
import { VerificationWorkflow } from '@sanxian/verification';
import type { Page, Served, VerificationRequestItem, VerificationThread } from '@sanxian/api-types';
import { AGENCIES, VERIFICATION_STATES } from '@sanxian/api-types';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { citizenIdsIn, decodeCursor, enumParam, limitParam, page, uuidParam } from '../reconciliation/staff-query';
import { StaffRequestValidator, invalidFields } from '../reconciliation/staff-request-validator';


/** A real calendar day, YYYY-MM-DD (not 2026-02-30), so that a forged cursor cannot reach the database. */
function isCalendarDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

export function requestItem(r: VerificationRequestRow): Served<VerificationRequestItem> {
  return {
    id: r.id, discrepancyId: r.discrepancyId, townshipCode: r.townshipCode, agency: r.agency, clientId: r.clientId, messageId: r.messageId,
    recordId: r.recordId, kind: r.kind, question: r.question, crossCounty: r.crossCounty, requestedOn: r.requestedOn, dueAt: r.dueAt,
    requestedAt: r.requestedAt, requestedBy: r.requestedBy, state: r.state, answer: r.answer,
  };
}

/**
 * Verification requests (协查) as staff see them: sent from a discrepancy to the agency behind one
 * of its records, read as the discrepancy's thread, and listed across the region (overdue first
 * of all). The agency's side is the exchange API's (ExchangeController).
 */
@ApiTags('verification-requests')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1')
export class VerificationController {
  constructor(
    private readonly workflow: VerificationWorkflow,
    private readonly requests: VerificationRepository,
    private readonly discrepancies: DiscrepancyRepository,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: StaffRequestValidator,
  ) {}

  @Post('discrepancies/:id/verification-requests')
  @Access('verification-requests.send')
  @HttpCode(201)
  @ApiOperation({ summary: 'Ask the agency behind one of an open discrepancy\'s records to verify it: due in 15 days, 30 across the county' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({
    schema: {
      type: 'object', required: ['question'],
      properties: { question: { type: 'string', minLength: 1 }, messageId: { type: 'string', format: 'uuid' }, crossCounty: { type: 'boolean' } },
    },
  })
  @ApiResponse({ status: 404, description: 'unknown, or outside the user\'s region' })
  @ApiResponse({ status: 409, description: 'the discrepancy is not open' })
  async send(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string, @Body() body: unknown): Promise<Served<VerificationRequestItem>> {
    const discrepancyId = uuidParam('id', id);
    const input = this.bodies.parse('verification-request', body);
    const result = await this.workflow.request(staff.scope, discrepancyId, input, { id: staff.userId, username: staff.username });
    switch (result.outcome) {
      case 'not-found':
        throw new NotFoundException(`no discrepancy ${id}`);
      case 'not-open':
        throw new ConflictException(`the discrepancy is ${result.status}: requests are sent about open discrepancies only`);
      case 'not-evidence':
        throw invalidFields([{ field: 'messageId', message: `${result.messageId} is not one of this discrepancy's records` }]);
      case 'choose-record':
        throw invalidFields([{ field: 'messageId', message: `is required: name one of this discrepancy's records (${result.candidates.join(', ')})` }]);
      case 'sent':
        return requestItem(result.request);
    }
  }

  @Get('discrepancies/:id/verification-requests')
  @Access('verification-requests.read')
  @ApiOperation({ summary: "A discrepancy's verification thread: each request, its due date and state, the answer and the corrected record (audited)" })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'unknown, or outside the user\'s region' })
  async thread(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string): Promise<Served<VerificationThread>> {
    const d = await this.discrepancies.findInScope(staff.scope, uuidParam('id', id));
    if (!d) throw new NotFoundException(`no discrepancy ${id}`);
    const rows = await this.requests.forDiscrepancy(d.id);
    const corrected = await this.discrepancies.evidenceMessages(rows.flatMap((r) => (r.answer?.messageId ? [r.answer.messageId] : [])));
    const recordOf = new Map(corrected.map((m) => [m.messageId, m.record]));
    const items = rows.map((r) => {
      const item = requestItem(r);
      return r.answer?.messageId ? { ...item, answer: { ...item.answer!, record: recordOf.get(r.answer.messageId) ?? null } } : item;
    });
    // Corrected records name citizens: whoever reads them is on record.
    await this.staffUsers.audit({ ...auditUser(staff), action: 'verification-request.read', target: d.id, detail: { requestIds: rows.map((r) => r.id), citizenIds: citizenIdsIn(items) } });
    return { items };
  }

  @Get('verification-requests')
  @Access('verification-requests.list')
  @ApiOperation({ summary: "Verification requests in the user's region by due date: overdue ones with state=overdue" })
  @ApiQuery({ name: 'state', required: false, enum: [...VERIFICATION_STATES, 'unanswered', 'all'], description: 'default unanswered (open and overdue)' })
  @ApiQuery({ name: 'agency', required: false, enum: AGENCIES })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query() query: Record<string, string | undefined>): Promise<Served<Page<VerificationRequestItem>>> {
    const limit = limitParam(query.limit, 50, 500);
    const state = enumParam('state', query.state, [...VERIFICATION_STATES, 'unanswered', 'all'] as const, 'unanswered');
    const agency = enumParam('agency', query.agency, AGENCIES);
    const after = decodeCursor(query.cursor, (v) => v.length === 2 && isCalendarDay(v[0]) && /^\d{1,18}$/.test(v[1]));
    const rows = await this.requests.listInScope(staff.scope, { state, agency, after: after && { dueAt: after[0], cursor: after[1] }, limit: limit + 1 });
    return page(rows, limit, requestItem, (r) => [r.dueAt, r.cursor]);
  }
}
