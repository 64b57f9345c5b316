import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UnprocessableEntityException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LinkReviewWorkflow } from '@sanxian/discrepancy';
import { maskCitizenId } from '@sanxian/domain';
import { LinkReviewRepository, LinkReviewSummary, REVIEW_STATUSES, StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from './discrepancy.controller';
import { citizenIdsIn, decodeCursor, enumParam, factIdParam, limitParam, page } from './staff-query';
import { StaffRequestValidator } from './staff-request-validator';
import type { LinkReviewDetail, LinkReviewItem, Page, Served } from '@sanxian/api-types';

/** A list item: the record and the person proposed, ids masked. */
function listItem(r: LinkReviewSummary): LinkReviewItem {
  return {
    id: r.factId, status: r.status, townshipCode: r.townshipCode, score: r.score, method: r.method,
    candidate: r.candidate && { ...r.candidate, citizenId: maskCitizenId(r.candidate.citizenId) },
    record: { ...r.record, citizenId: maskCitizenId(r.record.citizenId) },
    weights: r.weights,
  };
}

@ApiTags('link reviews')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/link-reviews')
export class LinkReviewController {
  constructor(
    private readonly reviews: LinkReviewRepository,
    private readonly workflow: LinkReviewWorkflow,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: StaffRequestValidator,
  ) {}

  @Get()
  @Access('link-reviews.list')
  @ApiOperation({ summary: "Records linkage was unsure of, in the user's region, likeliest match first (score descending), with the name of the person in the record and of the person proposed; ids masked" })
  @ApiQuery({ name: 'status', required: false, enum: [...REVIEW_STATUSES, 'all'], description: 'default pending' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query() query: Record<string, string | undefined>): Promise<Page<LinkReviewItem>> {
    const limit = limitParam(query.limit, 50, 500);
    // The cursor is the last item's (score, fact id): the list goes likeliest match first.
    const after = decodeCursor(query.cursor, (v) => v.length === 2 && (v[0] === '' || Number.isFinite(Number(v[0]))) && /^\d{1,18}$/.test(v[1]));
    const status = enumParam('status', query.status, [...REVIEW_STATUSES, 'all'], 'pending');
    const rows = await this.reviews.list(staff.scope, {
      status,
      after: after && { score: after[0] === '' ? null : Number(after[0]), factId: after[1] },
      limit: limit + 1,
    });
    const result = page(rows, limit, listItem, (r) => [r.score === null ? '' : String(r.score), r.factId]);
    await this.staffUsers.audit({
      ...auditUser(staff), action: 'link-review.list',
      detail: { filter: { status }, cursor: query.cursor ?? null, count: result.items.length, ids: result.items.map((r) => r.id) },
    });
    return result;
  }

  @Get(':id')
  @Access('link-reviews.read')
  @ApiOperation({ summary: 'The record beside the registry person proposed, with the weight of each field (full ids: audited)' })
  @ApiParam({ name: 'id', description: 'the link review id' })
  @ApiResponse({ status: 404, description: 'unknown, or outside the user\'s region' })
  async detail(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string): Promise<Served<LinkReviewDetail>> {
    const review = await this.reviews.findInScope(staff.scope, factIdParam('id', id));
    if (!review) throw new NotFoundException(`no link review ${id}`);
    const { factId, ...rest } = review;
    const body: Served<LinkReviewDetail> = { id: factId, ...rest };
    await this.staffUsers.audit({ ...auditUser(staff), action: 'link-review.read', target: factId, detail: { citizenIds: citizenIdsIn(body) } });
    return body;
  }

  @Post(':id/decision')
  @Access('link-reviews.decide')
  @HttpCode(200)
  @ApiOperation({ summary: 'Confirm the person proposed, or reject it; the record\'s unlinked-record discrepancy closes with it' })
  @ApiParam({ name: 'id', description: 'the link review id' })
  @ApiBody({ schema: { type: 'object', required: ['decision', 'comment'], properties: { decision: { type: 'string', enum: ['confirm', 'reject'] }, comment: { type: 'string', minLength: 1 } } } })
  @ApiResponse({ status: 409, description: 'already decided' })
  async decide(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string, @Body() body: unknown) {
    const factId = factIdParam('id', id);
    const { decision, comment } = this.bodies.parse('link-review-decision', body);
    const result = await this.workflow.decide(staff.scope, factId, { decision, comment, staff: { id: staff.userId, username: staff.username } });
    if (result.outcome === 'not-found') throw new NotFoundException(`no link review ${id}`);
    if (result.outcome === 'not-pending') throw new ConflictException(`the link review is already ${result.status}`);
    if (result.outcome === 'no-candidate') throw new UnprocessableEntityException('there is no person proposed to confirm: reject instead');
    return { id: factId, status: result.status, discrepancyId: result.discrepancyId };
  }
}
