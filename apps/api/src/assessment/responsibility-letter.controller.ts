import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DOCX_CONTENT_TYPE, ResponsibilityLetters, UnknownUnitError } from '@sanxian/assessment';
import type { LetterContent } from '@sanxian/domain';
import { LetterRecordedMeanwhile, StaffRepository, type StoredLetter } from '@sanxian/persistence';
import type { ResponsibilityLetterDetail, ResponsibilityLetterView } from '@sanxian/api-types';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { invalidFields } from '../reconciliation/staff-request-validator';
import { attachment, idParam, yearParam } from './assessment-params';
import { AssessmentRequestValidator } from './assessment-request-validator';
import { orProblem } from './scoreboard.service';

function letterView(letter: StoredLetter): ResponsibilityLetterView {
  const content = letter.content as LetterContent;
  return {
    id: letter.id, year: letter.year, planId: letter.planId, planVersion: letter.planVersion, unitId: letter.unitId, unitName: content.unit.name,
    responsible: letter.responsible, signedOn: letter.signedOn, supersedes: letter.supersedes, recordedAt: letter.recordedAt.toISOString(),
    document: `/v1/assessments/${letter.year}/letters/${letter.unitId}/docx`,
  };
}

function letterDetail(letter: StoredLetter): ResponsibilityLetterDetail {
  const content = letter.content as LetterContent;
  return { ...letterView(letter), targets: content.targets, vetoes: content.vetoes, awards: content.awards };
}

/**
 * Responsibility letters (目标管理责任书): county staff record each unit's signed letter for the
 * year; its targets come from the year's current plan and stay with the version signed on. Every
 * role reads them, as the scoreboard, and downloads each as a Word document.
 */
@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/assessments')
export class ResponsibilityLetterController {
  constructor(
    private readonly letters: ResponsibilityLetters,
    private readonly staffUsers: StaffRepository,
    private readonly bodies: AssessmentRequestValidator,
  ) {}

  @Get(':year/letters')
  @Access('letters.list')
  @ApiOperation({ summary: "Every unit's current responsibility letter for the year (who signed, when, on which plan version)" })
  @ApiParam({ name: 'year', example: 2026 })
  async list(@Param('year') year: string): Promise<{ year: number; items: ResponsibilityLetterView[] }> {
    const y = yearParam(year);
    return { year: y, items: (await this.letters.list(y)).map(letterView) };
  }

  @Post(':year/letters')
  @Access('letters.record')
  @HttpCode(201)
  @ApiOperation({ summary: "Record a unit's signed responsibility letter for the year: its targets are taken from the current plan and stored with its version (audited); again for a unit supersedes" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiBody({ schema: { type: 'object', description: 'schemas/staff/responsibility-letter-request.schema.json', example: { unitId: '511325110001', responsible: { name: '王建国', post: '村党支部书记' }, signedOn: '2026-02-10' } } })
  @ApiResponse({ status: 201, description: 'recorded' })
  @ApiResponse({ status: 400, description: 'a field is invalid, or the unit is not in the year\'s plan: `errors` names it' })
  @ApiResponse({ status: 404, description: 'no plan published for the year' })
  @ApiResponse({ status: 409, description: 'another letter of the unit was recorded at the same moment' })
  async record(@CurrentStaff() staff: StaffPrincipal, @Param('year') year: string, @Body() raw: unknown): Promise<ResponsibilityLetterDetail> {
    const y = yearParam(year);
    const body = this.bodies.parse('responsibility-letter-request', raw);
    const blank = (['name', 'post'] as const).filter((f) => !body.responsible[f].trim());
    if (blank.length) throw invalidFields(blank.map((f) => ({ field: `responsible.${f}`, message: 'must not be blank' })));
    if (!body.signedOn.startsWith(`${y}-`) && !body.signedOn.startsWith(`${y - 1}-`)) {
      throw invalidFields([{ field: 'signedOn', message: `must fall in ${y - 1} or ${y}: a letter is signed before or during its year` }]);
    }
    return orProblem(async () => {
      let letter: StoredLetter;
      try {
        letter = await this.letters.record(y, { unitId: body.unitId, responsible: { name: body.responsible.name.trim(), post: body.responsible.post.trim() }, signedOn: body.signedOn }, staff.userId);
      } catch (error) {
        if (error instanceof UnknownUnitError) throw invalidFields([{ field: 'unitId', message: error.message }]);
        if (error instanceof LetterRecordedMeanwhile) throw new ConflictException(error.message);
        throw error;
      }
      await this.staffUsers.audit({
        ...auditUser(staff), action: 'letter.record', target: `letter/${y}/${letter.unitId}`,
        detail: { id: letter.id, planVersion: letter.planVersion, responsible: letter.responsible, signedOn: letter.signedOn, supersedes: letter.supersedes },
      });
      return letterDetail(letter);
    });
  }

  @Get(':year/letters/:unitId')
  @Access('letters.read')
  @ApiOperation({ summary: "A unit's current responsibility letter for the year, with its targets" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiParam({ name: 'unitId', example: '511325110001' })
  @ApiResponse({ status: 404, description: 'no letter recorded for the unit and year' })
  async read(@Param('year') year: string, @Param('unitId') unitId: string): Promise<ResponsibilityLetterDetail> {
    return letterDetail(await this.found(year, unitId));
  }

  @Get(':year/letters/:unitId/docx')
  @Access('letters.read')
  @ApiOperation({ summary: "A unit's current responsibility letter as a Word document (.docx), in Chinese with the English beside" })
  @ApiParam({ name: 'year', example: 2026 })
  @ApiParam({ name: 'unitId', example: '511325110001' })
  @ApiProduces(DOCX_CONTENT_TYPE)
  @ApiResponse({ status: 404, description: 'no letter recorded for the unit and year' })
  async document(@Res({ passthrough: true }) reply: FastifyReply, @Param('year') year: string, @Param('unitId') unitId: string): Promise<Buffer> {
    const letter = await this.found(year, unitId);
    const buffer = await this.letters.docx(letter);
    reply.header('content-type', DOCX_CONTENT_TYPE);
    reply.header('content-disposition', attachment(`responsibility-letter-${letter.year}-${letter.unitId}.docx`));
    return buffer;
  }

  private async found(year: string, unitId: string): Promise<StoredLetter> {
    const y = yearParam(year);
    const id = idParam('unitId', unitId);
    const letter = await this.letters.current(y, id);
    if (!letter) throw new NotFoundException(`no responsibility letter is recorded for ${id} in ${y}`);
    return letter;
  }
}
