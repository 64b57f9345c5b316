import { BadRequestException, Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { SurveyFieldIssue } from '@sanxian/contracts';
import type { SigningKeyView, Served } from '@sanxian/api-types';
import type { SigningKeyRecord } from '@sanxian/persistence';
import { SigningKeys } from '@sanxian/survey-returns';
import { Access } from '../auth/access-policy';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { uuidParam } from '../reconciliation/staff-query';

/** A key as the API shows it: no secret in it (the private key never leaves the inspector's device). */
export function keyView(key: SigningKeyRecord): Served<SigningKeyView> {
  return {
    keyId: key.keyId, staffId: key.staffId, username: key.username, algorithm: key.algorithm, publicKey: key.publicKey, label: key.label,
    enrolledAt: key.enrolledAt.toISOString(), revokedAt: key.revokedAt?.toISOString() ?? null, revocationReason: key.revocationReason,
  };
}

/** A 400 naming every bad field, as the rest of the staff API answers. */
export function invalidSurveyBody(issues: SurveyFieldIssue[]): BadRequestException {
  return new BadRequestException({ message: issues.map((i) => `${i.field}: ${i.message}`).join('; '), errors: issues });
}

const KEY_ID = /^[0-9a-f]{64}$/;

@ApiTags('signing keys')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1')
export class SigningKeyController {
  constructor(private readonly keys: SigningKeys) {}

  @Get('signing-keys')
  @Access('signing-keys.list')
  @ApiOperation({ summary: "Inspectors' enrolled signing keys (public halves), newest first, with any revocation" })
  @ApiQuery({ name: 'staffId', required: false, description: "one inspector's keys" })
  async list(@Query('staffId') staffId?: string) {
    return { items: (await this.keys.list(staffId === undefined ? undefined : uuidParam('staffId', staffId))).map(keyView) };
  }

  @Post('staff/:staffId/signing-keys')
  @Access('signing-keys.enroll')
  @ApiOperation({ summary: "Enroll the public half of an inspector's signing key (schemas/survey/key-enrollment.schema.json); audited" })
  @ApiParam({ name: 'staffId', format: 'uuid' })
  @ApiBody({ description: 'schemas/survey/key-enrollment.schema.json', schema: { type: 'object' } })
  @ApiResponse({ status: 201, description: 'status enrolled, or already-enrolled when this key was enrolled before' })
  @ApiResponse({ status: 404, description: 'no enabled inspector with this id' })
  async enroll(@CurrentStaff() staff: StaffPrincipal, @Param('staffId') staffId: string, @Body() body: unknown) {
    const result = await this.keys.enroll(uuidParam('staffId', staffId), body, { id: staff.userId, username: staff.username });
    if (result.outcome === 'invalid') throw invalidSurveyBody(result.issues);
    if (result.outcome === 'no-inspector') throw new NotFoundException(`no enabled inspector ${staffId}: keys are enrolled for users of the inspector role`);
    return { status: result.outcome, key: keyView(result.key) };
  }

  @Post('signing-keys/:keyId/revocation')
  @Access('signing-keys.revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a signing key (schemas/survey/key-revocation.schema.json): it signs nothing from now on; audited' })
  @ApiParam({ name: 'keyId', description: 'SHA-256 (hex) of the SPKI' })
  @ApiResponse({ status: 404, description: 'no such key' })
  @ApiResponse({ status: 409, description: 'already revoked' })
  async revoke(@CurrentStaff() staff: StaffPrincipal, @Param('keyId') keyId: string, @Body() body: unknown) {
    if (!KEY_ID.test(keyId)) throw invalidSurveyBody([{ field: 'keyId', message: 'must be 64 lowercase hex digits (the SHA-256 of the key)' }]);
    const result = await this.keys.revoke(keyId, body, { id: staff.userId, username: staff.username });
    if (result.outcome === 'invalid') throw invalidSurveyBody(result.issues);
    if (result.outcome === 'not-found') throw new NotFoundException(`no signing key ${keyId}`);
    if (result.outcome === 'already-revoked') throw new ConflictException(`signing key ${keyId} is already revoked`);
    return { status: 'revoked', key: keyView(result.key) };
  }
}
