import {
  Body, ConflictException, Controller, Get, HttpCode, HttpException, HttpStatus, NotFoundException, Param, Post, Res, UnprocessableEntityException, UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { StaffRepository } from '@sanxian/persistence';
import type { SurveyReturnReceipt } from '@sanxian/api-types';
import { SurveyReturns, refusalDetail } from '@sanxian/survey-returns';
import { Access } from '../auth/access-policy';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { isUuid } from '../reconciliation/staff-query';
import { invalidSurveyBody } from './signing-key.controller';

@ApiTags('survey returns')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/survey-returns')
export class SurveyReturnController {
  constructor(
    private readonly returns: SurveyReturns,
    private readonly staffUsers: StaffRepository,
  ) {}

  @Post()
  @Access('survey-returns.submit')
  @HttpCode(201)
  @ApiOperation({ summary: 'Sync a signed household survey return (schemas/survey/signed-return.schema.json); the answer is schemas/survey/return-receipt.schema.json' })
  @ApiBody({ description: 'schemas/survey/signed-return.schema.json', schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: 'accepted: stored append-only on the returns\' chain' })
  @ApiResponse({ status: 200, description: 'duplicate: this return was synced before (stored once)' })
  @ApiResponse({ status: 400, description: 'the body is not a signed return (every bad field named)' })
  @ApiResponse({ status: 404, description: "no such draw and village on the user's team" })
  @ApiResponse({ status: 409, description: 'the returnId was used for other content, or the campaign is published' })
  @ApiResponse({ status: 422, description: 'incomplete (what is missing, by path), or a signature that does not verify (which, and why)' })
  async submit(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<SurveyReturnReceipt> {
    const result = await this.returns.submit(body, { id: staff.userId, username: staff.username });
    switch (result.outcome) {
      case 'accepted':
        return result.receipt;
      case 'duplicate':
        reply.status(200);
        return result.receipt;
      case 'invalid':
        throw invalidSurveyBody(result.issues);
      case 'not-found':
        throw new NotFoundException(refusalDetail(result));
      case 'closed':
      case 'return-id-reused':
        throw new ConflictException(refusalDetail(result));
      case 'bad-correction':
        throw new UnprocessableEntityException({ message: refusalDetail(result), reason: 'bad-correction' });
      case 'incomplete':
        throw new UnprocessableEntityException({ message: refusalDetail(result), reason: 'incomplete', missing: result.missing });
      case 'bad-signatures':
        throw new UnprocessableEntityException({ message: refusalDetail(result), reason: 'bad-signatures', signatures: result.problems });
      default:
        throw new HttpException('unexpected outcome', HttpStatus.INTERNAL_SERVER_ERROR);
    }
  }

  @Get(':returnId')
  @Access('survey-returns.read')
  @ApiOperation({ summary: 'One signed return as stored, with its place on the chain (names and ids: audited)' })
  @ApiParam({ name: 'returnId', format: 'uuid' })
  @ApiResponse({ status: 404, description: "unknown, or not visible to the user (a township sees its campaign's returns once published)" })
  async read(@CurrentStaff() staff: StaffPrincipal, @Param('returnId') returnId: string) {
    const stored = isUuid(returnId) ? await this.returns.read(returnId, { id: staff.userId, scope: staff.scope }) : undefined;
    if (!stored) throw new NotFoundException(`no survey return ${returnId}`);
    await this.staffUsers.audit({ ...auditUser(staff), action: 'survey-return.read', target: `survey-return:${returnId}`, detail: { campaignId: stored.campaignId } });
    return {
      returnId: stored.returnId, chainSeq: stored.chainSeq, rowHash: stored.rowHash, contentHash: stored.contentHash, signedHash: stored.signedHash,
      campaignId: stored.campaignId, drawId: stored.drawId, villageCode: stored.villageCode, townshipCode: stored.townshipCode, surveyDate: stored.surveyDate,
      corrects: stored.corrects, signerIds: stored.signerIds, receivedAt: stored.receivedAt.toISOString(), signed: stored.signed,
    };
  }
}
