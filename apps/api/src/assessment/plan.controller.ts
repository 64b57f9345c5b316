import {
  Body, ConflictException, Controller, Delete, Get, MethodNotAllowedException, NotFoundException, Param, Patch, Post, Put, Query, Res,
  UnprocessableEntityException, UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AssessmentService, PlanInvalidError } from '@sanxian/assessment';
import type { AssessmentPlan } from '@sanxian/domain';
import { AssessmentRepository, PlanVersionConflict, StaffRepository, type StoredPlan } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { invalidFields } from '../reconciliation/staff-request-validator';
import { yearParam } from './assessment-params';

function summary(stored: StoredPlan, current: boolean) {
  const plan = stored.document as unknown as AssessmentPlan;
  return {
    id: stored.id,
    year: stored.year,
    version: stored.version,
    status: stored.status,
    publishedAt: stored.publishedAt,
    supersedes: plan.supersedes ?? null,
    current,
    county: plan.county,
    assessmentYear: plan.assessmentYear,
    lines: (plan.lines ?? []).map((l) => ({ line: l.line, name: l.name, units: l.units.length, indicators: l.indicators.length })),
  };
}

/** `<JSON Pointer>: <message>` (schema) or `lines/<line>…: <message>` (consistency) as a field (dotted, as the staff API names fields) and a message. */
function problemField(problem: string): { field: string; message: string } {
  const at = problem.indexOf(': ');
  return at < 0 ? { field: 'body', message: problem } : { field: problem.slice(0, at).replace(/^\//, '').replace(/\//g, '.') || 'body', message: problem.slice(at + 2) };
}

/**
 * The yearly assessment plans: published at the start of the year and frozen. A new version
 * supersedes an old one; nothing edits a published plan (the database refuses it too), so there
 * is no PUT, PATCH or DELETE: they answer 405.
 */
@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/plans')
export class PlanController {
  constructor(
    private readonly assessment: AssessmentService,
    private readonly plans: AssessmentRepository,
    private readonly staffUsers: StaffRepository,
  ) {}

  @Get()
  @Access('plans.list')
  @ApiOperation({ summary: 'Every published plan version, newest year and version first; `current` marks the version in force for its year' })
  async list() {
    const stored = await this.plans.listPlans();
    const current = new Set<string>();
    const items = stored.map((p) => {
      const isCurrent = p.status === 'published' && !current.has(String(p.year));
      if (isCurrent) current.add(String(p.year));
      return summary(p, isCurrent);
    });
    return { items };
  }

  @Get(':year')
  @Access('plans.read')
  @ApiOperation({ summary: "The year's plan in force (its latest published version), or an older version: the whole document" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiQuery({ name: 'version', required: false, description: 'an older version; default the latest' })
  @ApiResponse({ status: 404, description: 'no plan published for the year (or no such version)' })
  async get(@Param('year') year: string, @Query('version') version?: string) {
    const y = yearParam(year);
    if (version !== undefined && !/^[1-9]\d{0,5}$/.test(version)) throw invalidFields([{ field: 'version', message: 'must be a positive integer' }]);
    const stored = (await this.plans.listPlans()).filter((p) => p.year === y && p.status === 'published');
    const found = version === undefined ? stored[0] : stored.find((p) => p.version === Number(version));
    if (!found) throw new NotFoundException(version === undefined ? `no assessment plan is published for ${y}` : `plan for ${y} has no version ${version}`);
    return { ...summary(found, found === stored[0]), document: found.document };
  }

  @Post()
  @Access('plans.publish')
  @ApiOperation({
    summary: 'Publish a plan (schemas/plan/assessment-plan.schema.json): a new id, or the next version of one, superseding the last',
    description: 'The document is checked against the schema and for consistency (ids, weights, tiers). A version that exists is never replaced: publish the next version.',
  })
  @ApiBody({ description: 'the plan document', schema: { type: 'object', required: ['id', 'year', 'version', 'lines'] } })
  @ApiResponse({ status: 201, description: 'published' })
  @ApiResponse({ status: 409, description: 'that version of the plan is published already' })
  @ApiResponse({ status: 422, description: 'the plan is not valid: `problems` lists every one, `errors` names each field' })
  async publish(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown) {
    if (body === null || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
      throw invalidFields([{ field: 'body', message: 'must be a plan document, a JSON object (Content-Type: application/json)' }]);
    }
    let stored: StoredPlan;
    try {
      stored = await this.assessment.publishPlan(body, staff.userId);
    } catch (error) {
      if (error instanceof PlanInvalidError) {
        throw new UnprocessableEntityException({ message: error.message, problems: error.problems, errors: error.problems.map(problemField) });
      }
      if (error instanceof PlanVersionConflict) throw new ConflictException(error.message);
      throw error;
    }
    await this.staffUsers.audit({ ...auditUser(staff), action: 'plan.publish', target: `${stored.id}/v${stored.version}`, detail: { year: stored.year } });
    return summary(stored, true);
  }

  // One handler per method and path: Nest keeps only one route per handler.
  @Put()
  @Access('plans.edit')
  @ApiOperation({ summary: 'Not allowed (405): a published plan is never edited; publish its next version with POST /v1/plans' })
  @ApiResponse({ status: 405, description: 'always' })
  putAll(@Res({ passthrough: true }) reply: FastifyReply): never {
    return refuseEdit(reply, 'GET, POST');
  }

  @Patch()
  @Access('plans.edit')
  @ApiOperation({ summary: 'Not allowed (405): a published plan is never edited' })
  @ApiResponse({ status: 405, description: 'always' })
  patchAll(@Res({ passthrough: true }) reply: FastifyReply): never {
    return refuseEdit(reply, 'GET, POST');
  }

  @Put(':year')
  @Access('plans.edit')
  @ApiOperation({ summary: 'Not allowed (405): a published plan is never edited; publish its next version with POST /v1/plans' })
  @ApiResponse({ status: 405, description: 'always' })
  put(@Res({ passthrough: true }) reply: FastifyReply): never {
    return refuseEdit(reply, 'GET');
  }

  @Patch(':year')
  @Access('plans.edit')
  @ApiOperation({ summary: 'Not allowed (405): a published plan is never edited' })
  @ApiResponse({ status: 405, description: 'always' })
  patch(@Res({ passthrough: true }) reply: FastifyReply): never {
    return refuseEdit(reply, 'GET');
  }

  @Delete(':year')
  @Access('plans.edit')
  @ApiOperation({ summary: 'Not allowed (405): a published plan is never deleted' })
  @ApiResponse({ status: 405, description: 'always' })
  remove(@Res({ passthrough: true }) reply: FastifyReply): never {
    return refuseEdit(reply, 'GET');
  }
}

function refuseEdit(reply: FastifyReply, allow: string): never {
  reply.header('allow', allow);
  throw new MethodNotAllowedException('a published plan cannot be edited: publish the next version with POST /v1/plans (supersedes: the version it replaces)');
}
