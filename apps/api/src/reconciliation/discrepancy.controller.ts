import {
  Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UnprocessableEntityException, UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DiscrepancyWorkflow } from '@sanxian/discrepancy';
import { NotCorrectableError, maskCitizenId } from '@sanxian/domain';
import { DISCREPANCY_STATUSES, DiscrepancyRepository, DiscrepancySummary, RegistryRepository, StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access, rolesAllowed } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import {
  DISCREPANCY_KINDS, booleanParam, citizenIdsIn, decodeCursor, enumParam, isUuid, limitParam, page, regionParam, uuidParam,
} from './staff-query';
import { StaffRequestValidator } from './staff-request-validator';
import type { DiscrepancyCounts, DiscrepancyDetail, DiscrepancyItem, Page, Served } from '@sanxian/api-types';

/** Roles that may act on discrepancies (ACCESS_POLICY): the only ones work can be assigned to. */
const RESOLVERS = rolesAllowed('discrepancies.resolve');

function staffRef(staff: StaffPrincipal) {
  return { id: staff.userId, username: staff.username };
}

/** A list item: enough to pick a discrepancy, with the subject's id masked. */
function listItem(d: DiscrepancySummary): Served<DiscrepancyItem> {
  return {
    id: d.id, kind: d.kind, status: d.status, regionCode: d.regionCode, townshipCode: d.townshipCode, dueAt: d.dueAt, overdue: d.overdue,
    raisedAt: d.raisedAt, assignee: d.assignee, subject: { citizenId: maskCitizenId(d.subjectCitizenId), name: d.subjectName }, cardId: d.cardId,
  };
}

const ASSIGNEE_SCHEMA = { oneOf: [{ type: 'string', format: 'uuid' }, { type: 'null' }] };

@ApiTags('discrepancies')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/discrepancies')
export class DiscrepancyController {
  constructor(
    private readonly discrepancies: DiscrepancyRepository,
    private readonly workflow: DiscrepancyWorkflow,
    private readonly registry: RegistryRepository,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: StaffRequestValidator,
  ) {}

  @Get()
  @Access('discrepancies.list')
  @ApiOperation({ summary: "Discrepancies in the user's region, by due date; subjects' ids masked" })
  @ApiQuery({ name: 'regionCode', required: false, description: 'township (9) or village (12) code: regions inside it' })
  @ApiQuery({ name: 'kind', required: false, enum: DISCREPANCY_KINDS })
  @ApiQuery({ name: 'status', required: false, enum: [...DISCREPANCY_STATUSES, 'all'], description: 'default open' })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'], description: 'true: open and past the due date (China time)' })
  @ApiQuery({ name: 'assignee', required: false, description: 'a user id, `me` or `none`' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query() query: Record<string, string | undefined>): Promise<Served<Page<DiscrepancyItem>>> {
    const limit = limitParam(query.limit, 50, 500);
    const assignee = query.assignee;
    const after = decodeCursor(query.cursor, (v) => v.length === 2 && /^\d{4}-\d{2}-\d{2}$/.test(v[0]) && isUuid(v[1]));
    const filter = {
      regionCode: regionParam('regionCode', query.regionCode),
      kind: enumParam('kind', query.kind, DISCREPANCY_KINDS),
      status: enumParam('status', query.status, [...DISCREPANCY_STATUSES, 'all'], 'open'),
      overdue: booleanParam('overdue', query.overdue),
      assigneeId: assignee === undefined ? undefined : assignee === 'none' ? null : assignee === 'me' ? staff.userId : uuidParam('assignee', assignee),
    };
    const rows = await this.discrepancies.list(staff.scope, { ...filter, after: after && { dueAt: after[0], id: after[1] }, limit: limit + 1 });
    const result = page(rows, limit, listItem, (d) => [d.dueAt, d.id]);
    // Lists name citizens too: one audit row per request, with what was shown.
    await this.staffUsers.audit({
      ...auditUser(staff), action: 'discrepancy.list',
      detail: { filter, cursor: query.cursor ?? null, count: result.items.length, ids: result.items.map((d) => d.id) },
    });
    return result;
  }

  @Get('counts')
  @Access('discrepancies.counts')
  @ApiOperation({ summary: "Counts in the user's region: open by kind, all by status, and per township open, overdue and closed" })
  counts(@CurrentStaff() staff: StaffPrincipal): Promise<DiscrepancyCounts> {
    return this.discrepancies.counts(staff.scope);
  }

  @Get(':id')
  @Access('discrepancies.read')
  @ApiOperation({ summary: 'One discrepancy: both values, the evidence records, the card, the resolution and history (full ids: audited)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'unknown, or outside the user\'s region' })
  async detail(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string): Promise<Served<DiscrepancyDetail>> {
    const d = await this.discrepancies.findInScope(staff.scope, uuidParam('id', id));
    if (!d) throw new NotFoundException(`no discrepancy ${id}`);
    const [messages, card, history] = await Promise.all([
      this.discrepancies.evidenceMessages(d.evidence.messageIds ?? []),
      d.cardId ? this.registry.currentCard(d.cardId) : undefined,
      this.discrepancies.history(d),
    ]);
    const body: Served<DiscrepancyDetail> = {
      ...listItem(d),
      subject: { citizenId: d.subjectCitizenId, name: d.subjectName },
      subjectKey: d.subject,
      closedAt: d.closedAt,
      agencyValue: d.agencyValue,
      registryValue: d.registryValue,
      evidence: { messageIds: d.evidence.messageIds ?? [], recordIds: d.evidence.recordIds ?? [], cardId: d.evidence.cardId ?? null, returnIds: d.evidence.returnIds ?? [], messages },
      card: card ?? null,
      resolution: d.resolution,
      history,
    };
    // Whoever sees full ids is on record, with the ids seen.
    await this.staffUsers.audit({ ...auditUser(staff), action: 'discrepancy.read', target: d.id, detail: { citizenIds: citizenIdsIn(body) } });
    return body;
  }

  @Post(':id/resolution')
  @Access('discrepancies.resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close an open discrepancy: accept-agency (corrects the registry), keep-registry (disputes the agency value) or dismiss' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({
    schema: {
      type: 'object', required: ['action', 'comment'],
      properties: { action: { type: 'string', enum: ['accept-agency', 'keep-registry', 'dismiss'] }, comment: { type: 'string', minLength: 1 } },
    },
  })
  @ApiResponse({ status: 409, description: 'the discrepancy is not open' })
  @ApiResponse({ status: 422, description: 'accept-agency cannot correct the registry for this discrepancy' })
  async resolve(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string, @Body() body: unknown) {
    const discrepancyId = uuidParam('id', id);
    const { action, comment } = this.bodies.parse('discrepancy-resolution', body);
    let result;
    try {
      result = await this.workflow.resolve(staff.scope, discrepancyId, { action, comment, staff: staffRef(staff) });
    } catch (error) {
      if (error instanceof NotCorrectableError) throw new UnprocessableEntityException(error.message);
      throw error;
    }
    if (result.outcome === 'not-found') throw new NotFoundException(`no discrepancy ${id}`);
    if (result.outcome === 'not-open') throw new ConflictException(`the discrepancy is ${result.status}: only open discrepancies can be resolved`);
    const d = result.discrepancy;
    return { id: d.id, kind: d.kind, status: d.status, closedAt: d.closedAt, resolution: d.resolution, change: result.change };
  }

  @Post('assignment')
  @Access('discrepancies.assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign many discrepancies to one user (or nobody), all or none' })
  @ApiBody({ schema: { type: 'object', required: ['ids', 'assigneeId'], properties: { ids: { type: 'array', items: { type: 'string', format: 'uuid' } }, assigneeId: ASSIGNEE_SCHEMA } } })
  async assignMany(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown) {
    const { ids, assigneeId } = this.bodies.parse('discrepancy-bulk-assignment', body);
    return this.assign(staff, ids.map((i) => i.toLowerCase()), assigneeId);
  }

  @Post(':id/assignment')
  @Access('discrepancies.assign')
  @HttpCode(200)
  @ApiOperation({ summary: 'Assign a discrepancy to a user (or nobody); a township user only inside their township' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ schema: { type: 'object', required: ['assigneeId'], properties: { assigneeId: ASSIGNEE_SCHEMA } } })
  @ApiResponse({ status: 422, description: 'no such assignee, or one whose township does not cover the discrepancy' })
  async assignOne(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string, @Body() body: unknown) {
    const discrepancyId = uuidParam('id', id);
    const { assigneeId } = this.bodies.parse('discrepancy-assignment', body);
    return this.assign(staff, [discrepancyId], assigneeId);
  }

  private async assign(staff: StaffPrincipal, ids: string[], assigneeId: string | null) {
    const result = await this.workflow.assign(staff.scope, ids, assigneeId, staffRef(staff), RESOLVERS);
    switch (result.outcome) {
      case 'no-assignee':
        throw new UnprocessableEntityException(`assigneeId: no enabled staff user ${result.assigneeId}`);
      case 'assignee-cannot-resolve':
        throw new UnprocessableEntityException(`assigneeId: a ${result.role} user cannot resolve discrepancies`);
      case 'not-found':
        throw new NotFoundException(`no discrepancy ${result.ids.join(', ')}`);
      case 'out-of-region':
        throw new UnprocessableEntityException(
          `assigneeId: ${result.assignee.username} works in region ${result.assignee.regionCode}, outside the region of ${result.ids.join(', ')}`,
        );
      case 'assigned':
        return { ids: result.ids, assignee: result.assignee && { id: result.assignee.id, username: result.assignee.username } };
    }
  }
}

export function auditUser(staff: StaffPrincipal) {
  return { userId: staff.userId, username: staff.username };
}
