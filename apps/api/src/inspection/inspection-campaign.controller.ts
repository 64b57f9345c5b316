import {
  BadRequestException, Body, ConflictException, Controller, ForbiddenException, Get, HttpCode, NotFoundException, Param, Post, Query, UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ErrorObject } from 'ajv';
import type { CampaignDefinition } from '@sanxian/domain';
import { InspectionCampaigns, InspectionRefusal, type Viewer } from '@sanxian/inspection';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { checkedBody, compileStaffSchemas, fieldIssues, invalidFields } from '../reconciliation/staff-request-validator';

const CAMPAIGN_SCHEMA = compileStaffSchemas(['inspection-campaign'] as const).get('inspection-campaign')!;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TEAM = /^[A-Za-z0-9-]{1,20}$/;

/** ajv's own words, but a pattern says what it wants. */
function campaignMessage(error: ErrorObject, params: Record<string, unknown>): string {
  if (error.keyword === 'required') return 'is required';
  if (error.keyword === 'additionalProperties') return 'is not a field of this request';
  if (error.keyword === 'pattern') {
    const path = error.instancePath;
    if (/townshipCodes\/\d+$/.test(path)) return 'must be a 9-digit township code';
    if (path.endsWith('departure')) return 'must be a time HH:MM';
    if (path.endsWith('teamId')) return 'must be 1–20 letters, digits or hyphens';
    return 'must not be blank';
  }
  if (error.keyword === 'format') return params.format === 'date' ? 'must be a date, YYYY-MM-DD' : 'must be a UUID';
  if (error.keyword === 'oneOf') return 'must be "all" or a whole number from 1';
  return error.message ?? 'is invalid';
}

function viewerOf(staff: StaffPrincipal): Viewer {
  return { userId: staff.userId, username: staff.username, role: staff.role, scope: staff.scope };
}

/** A use-case's refusal as the HTTP problem it is. */
function answer(error: unknown): never {
  if (!(error instanceof InspectionRefusal)) throw error;
  switch (error.kind) {
    case 'not-found':
      throw new NotFoundException(error.message);
    case 'forbidden':
      throw new ForbiddenException(error.message);
    case 'conflict':
      throw new ConflictException(error.message);
    case 'invalid':
      throw invalidFields(error.problems);
  }
}

async function answering<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    answer(error);
  }
}

function idParam(id: string): string {
  // An id that is no UUID names no campaign: 404, as an unknown one (nothing told about the form).
  if (!UUID.test(id)) throw new NotFoundException(`no campaign ${id}`);
  return id;
}

type TeamDayWork<T> = (viewer: Viewer, id: string, day: string, team: string) => Promise<T>;

/** A team-day route: its parameters checked, the use-case's refusal answered. */
function onTeamDay<T>(staff: StaffPrincipal, params: { id: string; day: string; team: string }, work: TeamDayWork<T>): Promise<T> {
  teamDayParams(params.day, params.team);
  return answering(work(viewerOf(staff), idParam(params.id), params.day, params.team));
}

function teamDayParams(day: string, team: string): void {
  if (!DAY.test(day) || Number.isNaN(Date.parse(day))) throw new BadRequestException({ message: 'day: must be a date, YYYY-MM-DD', errors: [{ field: 'day', message: 'must be a date, YYYY-MM-DD' }] });
  if (!TEAM.test(team)) throw new BadRequestException({ message: 'team: must be 1–20 letters, digits or hyphens', errors: [{ field: 'team', message: 'must be 1–20 letters, digits or hyphens' }] });
}

@ApiTags('spot checks')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/inspection/campaigns')
export class InspectionCampaignController {
  constructor(private readonly campaigns: InspectionCampaigns) {}

  @Post()
  @Access('inspection-campaigns.create')
  @ApiOperation({ summary: 'Create a spot-check campaign: year, period, townships, sampling design, teams of inspectors (leader and members), survey days' })
  @ApiBody({ schema: { $ref: 'https://schemas.sanxian-hub.cn/staff/v1/inspection-campaign.schema.json' } })
  @ApiResponse({ status: 400, description: 'the body does not fit schemas/staff/inspection-campaign.schema.json, or names an unknown township or a user who is no inspector (each field named)' })
  async create(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown) {
    const definition = checkedBody<CampaignDefinition>(CAMPAIGN_SCHEMA, body, (errors) => fieldIssues(errors, campaignMessage));
    return answering(this.campaigns.create(viewerOf(staff), definition));
  }

  @Get()
  @Access('inspection-campaigns.list')
  @ApiOperation({ summary: 'Campaigns the user may see, newest first: a township user only published ones that cover the township' })
  @ApiQuery({ name: 'year', required: false })
  async list(@CurrentStaff() staff: StaffPrincipal, @Query('year') year?: string) {
    if (year !== undefined && !/^\d{4}$/.test(year)) throw new BadRequestException({ message: 'year: must be a year, YYYY', errors: [{ field: 'year', message: 'must be a year, YYYY' }] });
    return { items: await this.campaigns.list(viewerOf(staff), { year: year === undefined ? undefined : Number(year) }) };
  }

  @Get(':id')
  @Access('inspection-campaigns.read')
  @ApiOperation({ summary: 'A campaign: its definition, state, frame hash and counts, seed commitment, draws made' })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 404, description: 'unknown, or not (yet) visible to the user' })
  async read(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string) {
    const campaign = await this.campaigns.read(viewerOf(staff), idParam(id));
    if (!campaign) throw new NotFoundException(`no campaign ${id}`);
    return campaign;
  }

  @Post(':id/freeze')
  @Access('inspection-campaigns.freeze')
  @HttpCode(200)
  @ApiOperation({ summary: "Freeze the campaign: its frame is read from today's registry and hashed; the hub commits to a secret seed (its SHA-256 published, the seed sealed)" })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 409, description: 'already frozen' })
  freeze(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string) {
    return answering(this.campaigns.freeze(viewerOf(staff), idParam(id)));
  }

  @Post(':id/days/:day/teams/:team/draw')
  @Access('inspection-draws.draw')
  @HttpCode(201)
  @ApiOperation({ summary: "The day's draw: only the team's leader, from INSPECTION_DRAW_LEAD_MINUTES before departure, once; mixes in the message log's chain heads" })
  @ApiParam({ name: 'id' }) @ApiParam({ name: 'day', description: 'YYYY-MM-DD' }) @ApiParam({ name: 'team' })
  @ApiResponse({ status: 403, description: "not the team's leader" })
  @ApiResponse({ status: 409, description: 'too early, already drawn, or the campaign not frozen or already published' })
  draw(@CurrentStaff() staff: StaffPrincipal, @Param() params: { id: string; day: string; team: string }) {
    return onTeamDay(staff, params, (...args) => this.campaigns.draw(...args));
  }

  @Get(':id/days/:day/teams/:team/draw')
  @Access('inspection-draws.read')
  @ApiOperation({ summary: "A day's draw: that it exists, when, its public value; the points only for the leader until the day is closed" })
  @ApiParam({ name: 'id' }) @ApiParam({ name: 'day' }) @ApiParam({ name: 'team' })
  readDraw(@CurrentStaff() staff: StaffPrincipal, @Param() params: { id: string; day: string; team: string }) {
    return onTeamDay(staff, params, (...args) => this.campaigns.readDraw(...args));
  }

  @Get(':id/days/:day/teams/:team/draw/frame')
  @Access('inspection-draws.frame')
  @ApiOperation({ summary: "The leader's download before departure: the drawn villages with their groups, households and persons as frozen (audited)" })
  @ApiParam({ name: 'id' }) @ApiParam({ name: 'day' }) @ApiParam({ name: 'team' })
  drawFrame(@CurrentStaff() staff: StaffPrincipal, @Param() params: { id: string; day: string; team: string }) {
    return onTeamDay(staff, params, (...args) => this.campaigns.drawFrame(...args));
  }

  @Post(':id/days/:day/teams/:team/close')
  @Access('inspection-draws.close')
  @HttpCode(200)
  @ApiOperation({ summary: 'The leader closes the day: the team and the county see its points from then on' })
  @ApiParam({ name: 'id' }) @ApiParam({ name: 'day' }) @ApiParam({ name: 'team' })
  close(@CurrentStaff() staff: StaffPrincipal, @Param() params: { id: string; day: string; team: string }) {
    return onTeamDay(staff, params, (...args) => this.campaigns.closeDay(...args));
  }

  @Post(':id/publication')
  @Access('inspection-campaigns.publish')
  @HttpCode(200)
  @ApiOperation({ summary: "Publish the campaign's results (the bureau's meeting): the seed is revealed and the inspected townships see it (audited)" })
  @ApiParam({ name: 'id' })
  @ApiResponse({ status: 409, description: 'not frozen, a day not closed, or already published' })
  publish(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string) {
    return answering(this.campaigns.publish(viewerOf(staff), idParam(id)));
  }

  @Get(':id/record')
  @Access('inspection-campaigns.record')
  @ApiOperation({ summary: "A published campaign's public record (frame, commitment, seed, draws): what anyone recomputes its draws from (audited)" })
  @ApiParam({ name: 'id' })
  record(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string) {
    return answering(this.campaigns.publicRecord(viewerOf(staff), idParam(id)));
  }

  @Get(':id/verification')
  @Access('inspection-campaigns.verify')
  @ApiOperation({ summary: 'Recompute every draw of a published campaign: the seed against its commitment, the frame against its hash, each draw against its inputs' })
  @ApiParam({ name: 'id' })
  verify(@CurrentStaff() staff: StaffPrincipal, @Param('id') id: string) {
    return answering(this.campaigns.verify(viewerOf(staff), idParam(id)));
  }
}
