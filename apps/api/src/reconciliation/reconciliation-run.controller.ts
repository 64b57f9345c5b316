import { Body, Controller, ForbiddenException, Get, HttpCode, Logger, Post, Query, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JobProducer } from '@sanxian/jobs';
import { DiscrepancyRepository, StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from './discrepancy.controller';
import { limitParam } from './staff-query';
import { StaffRequestValidator } from './staff-request-validator';

@ApiTags('reconciliations')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/reconciliations')
export class ReconciliationRunController {
  private readonly logger = new Logger(ReconciliationRunController.name);

  constructor(
    private readonly jobs: JobProducer,
    private readonly discrepancies: DiscrepancyRepository,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: StaffRequestValidator,
  ) {}

  @Post()
  @Access('reconciliations.start')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a reconciliation now (the worker runs it): the county, or one township; a township user only their own' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { townshipCode: { type: 'string', pattern: '^[0-9]{9}$' }, asOf: { type: 'string', format: 'date' } } } })
  @ApiResponse({ status: 202, description: '{"jobId": …}' })
  @ApiResponse({ status: 403, description: "another township's reconciliation, by a township user; any, by a village user" })
  async start(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown) {
    const request = this.bodies.parse('reconciliation-request', body);
    let townshipCode = request.townshipCode ?? null;
    if (staff.scope.level === 'village') {
      // A run raises and closes discrepancies of a whole township, beyond one village's reach.
      throw new ForbiddenException(`a village user (${staff.scope.code}) may not start a reconciliation: it runs for a whole township`);
    }
    if (staff.scope.level === 'township') {
      if (townshipCode !== null && townshipCode !== staff.scope.code) {
        throw new ForbiddenException(`a township user may start a reconciliation of township ${staff.scope.code} only`);
      }
      townshipCode = staff.scope.code;
    }
    let jobId: string;
    try {
      jobId = await this.jobs.enqueueReconcile({ trigger: 'on-demand', townshipCode, ...(request.asOf ? { asOf: request.asOf } : {}) });
    } catch (error) {
      this.logger.warn(`cannot enqueue a reconciliation: ${(error as Error).message}`);
      throw new ServiceUnavailableException('the job queue cannot be reached: try again later');
    }
    await this.staffUsers.audit({ ...auditUser(staff), action: 'reconciliation.start', target: jobId, detail: { townshipCode, asOf: request.asOf ?? null } });
    return { jobId };
  }

  @Get()
  @Access('reconciliations.list')
  @ApiOperation({
    summary: "Recent reconciliation runs, newest first: the county's and the user's township's; each with its mode (incremental or full), " +
      'the persons, facts and cards it read, and the discrepancies it raised, closed and changed, and for a run in parts how many townships are linked and decided (ReconciliationRunItem)',
  })
  @ApiQuery({ name: 'limit', required: false, description: '1–100, default 20' })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query('limit') limit?: string) {
    const runs = await this.discrepancies.recentRuns(staff.scope, limitParam(limit, 20, 100));
    return { items: runs };
  }
}
