import { Body, ConflictException, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AssessmentService } from '@sanxian/assessment';
import { AssessmentRepository, StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { AssessmentRequestValidator } from './assessment-request-validator';
import { orProblem } from './scoreboard.service';

@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/indicators')
export class IndicatorController {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly plans: AssessmentRepository,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: AssessmentRequestValidator,
  ) {}

  @Post('compute')
  @Access('indicators.compute')
  @HttpCode(200)
  @ApiOperation({
    summary: "Recompute every indicator the hub computes for the year's plan, now (set-based; seconds for a county), replacing the stored values",
    description: 'The scheduler does the same every night. Refused once the year\'s results are published: they are frozen with the values they were scored on.',
  })
  @ApiBody({ schema: { type: 'object', required: ['year'], properties: { year: { type: 'integer', example: 2026 }, asOf: { type: 'string', format: 'date' } } } })
  @ApiResponse({ status: 200, description: '{planId, year, values, milliseconds}' })
  @ApiResponse({ status: 404, description: 'no plan published for the year' })
  @ApiResponse({ status: 409, description: "the year's results are published" })
  async compute(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown) {
    const { year, asOf } = this.bodies.parse('assessment-compute-request', body);
    return orProblem(async () => {
      const { plan } = await this.assessment.planFor(year);
      const publication = await this.plans.publication(plan.id, year);
      if (publication) throw new ConflictException(`the ${year} results were published at ${publication.publishedAt.toISOString()}: their indicator values are frozen`);
      const summary = await this.assessment.computeIndicators(year, asOf);
      await this.staffUsers.audit({ ...auditUser(staff), action: 'indicators.compute', target: `${summary.planId}/${year}`, detail: { asOf: asOf ?? null, values: summary.values } });
      return summary;
    });
  }
}
