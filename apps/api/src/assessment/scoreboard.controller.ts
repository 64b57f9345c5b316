import { Controller, Get, NotFoundException, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, ScoreboardQueries, scoreboardCsv, scoreboardWorkbook, type YearResults } from '@sanxian/assessment';
import { scopeCovers, tieBreakRule, tieBreaksApplied, type UnitResult } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { decodeCursor, encodeCursor, limitParam } from '../reconciliation/staff-query';
import { attachment, idParam, lineParam, townshipParam, yearParam } from './assessment-params';
import { orProblem, scoreboardEntry, unitView } from './scoreboard.service';
import type { EvidencePage, Scoreboard, Served, UnitBreakdown } from '@sanxian/api-types';

function header(results: YearResults) {
  return {
    year: results.result.year,
    planId: results.result.planId,
    planVersion: results.result.version,
    published: results.publishedAt !== null,
    publishedAt: results.publishedAt,
  };
}

function unitOf(results: YearResults, unitId: string): UnitResult {
  const unit = results.result.units.find((u) => u.unitId === unitId);
  if (!unit) throw new NotFoundException(`plan ${results.result.planId} v${results.result.version} has no unit ${unitId}`);
  return unit;
}

/**
 * The year's results, for every signed-in role: a county circulates them county-wide, so a
 * township user sees the whole scoreboard and every unit's breakdown. The records behind a
 * number are another matter: a township user may page only those of their own township's units
 * (the township and its FP office; a 404 for any other unit, stations and departments included).
 * Until the year is published the results are scored on each request; afterwards the frozen ones
 * are shown.
 */
@ApiTags('assessment')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@ApiResponse({ status: 404, description: 'no plan published for the year' })
@UseGuards(StaffAuthGuard)
@Controller('v1')
export class ScoreboardController {
  constructor(
    private readonly queries: ScoreboardQueries,
    private readonly staffUsers: StaffRepository,
  ) {}

  /** The year's results; no plan is a 404, entries the plan cannot score a 409. */
  private results(year: number): Promise<YearResults> {
    return orProblem(() => this.queries.results(year));
  }

  @Get('scoreboard')
  @Access('scoreboard.read')
  @ApiOperation({ summary: 'The ranked units of each line (or one): rank, score, quality, level, tier and outcome, veto reasons, the top reasons (largest point losses), and per group the tie-break rule and where it split a tier\'s equal scores' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'line', required: false, enum: ['party-government', 'business', 'department'], description: 'default every line' })
  @ApiQuery({ name: 'township', required: false, example: '511325110', description: "only the township's villages (村(居)两委, 村专干), each group ranked among themselves" })
  async scoreboard(@Query('year') year?: string, @Query('line') line?: string, @Query('township') township?: string): Promise<Served<Scoreboard>> {
    const results = await this.results(yearParam(year));
    const only = lineParam(results.plan, line, false);
    const villagesOf = townshipParam(township);
    return {
      ...header(results),
      lines: results.plan.lines
        .filter((l) => only === undefined || l.line === only)
        .map((l) => {
          const units = new Map(l.units.map((u) => [u.id, u]));
          const groups = l.rankings
            .map((g) => ({ group: g, parent: g.parent === undefined ? undefined : { unitId: g.parent, townshipCode: (units.get(g.parent)?.regionCode ?? '').slice(0, 9) } }))
            .filter(({ parent }) => villagesOf === undefined || parent?.townshipCode === villagesOf);
          const kept = new Set(groups.map(({ group }) => group.id));
          return {
            line: l.line,
            name: l.name,
            // Each group's tie-break rule, and where a tier's quota split equal scores, which criterion decided.
            groups: groups.map(({ group: g, parent }) => ({
              id: g.id, name: g.name, ...(parent ? { parent } : {}), tieBreakRule: tieBreakRule(g, l),
              tieBreaks: tieBreaksApplied(l, g, results.result.units.filter((u) => u.line === l.line)),
            })),
            units: results.result.units.filter((u) => u.line === l.line && kept.has(u.group)).map((u) => scoreboardEntry(u, results.result.year)),
          };
        }),
    };
  }

  @Get('scoreboard.xlsx')
  @Access('scoreboard.read')
  @ApiOperation({ summary: 'The scoreboard as an Excel workbook: per line a ranking sheet and a breakdown sheet (each indicator\'s value, numerator, denominator, target, points)' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiProduces(XLSX_CONTENT_TYPE)
  async workbook(@Res({ passthrough: true }) reply: FastifyReply, @Query('year') year?: string): Promise<Buffer> {
    const results = await this.results(yearParam(year));
    const buffer = await scoreboardWorkbook(results.plan, results.result, results.values, { publishedAt: results.publishedAt });
    reply.header('content-type', XLSX_CONTENT_TYPE);
    reply.header('content-disposition', attachment(`scoreboard-${results.result.planId}-v${results.result.version}.xlsx`));
    return buffer;
  }

  @Get('scoreboard.csv')
  @Access('scoreboard.read')
  @ApiOperation({ summary: "One line's ranking as CSV (RFC 4180, UTF-8 with a byte-order mark for Excel)" })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'line', required: true, enum: ['party-government', 'business', 'department'] })
  @ApiProduces('text/csv')
  async csv(@Res({ passthrough: true }) reply: FastifyReply, @Query('year') year?: string, @Query('line') line?: string): Promise<Buffer> {
    const y = yearParam(year);
    const results = await this.results(y);
    const chosen = lineParam(results.plan, line, true)!;
    const groups = new Map(results.plan.lines.flatMap((l) => l.rankings.map((g) => [g.id, g.name] as const)));
    reply.header('content-type', CSV_CONTENT_TYPE);
    reply.header('content-disposition', attachment(`scoreboard-${results.result.planId}-v${results.result.version}-${chosen}.csv`));
    return scoreboardCsv(results.result, chosen, groups);
  }

  @Get('scoreboard/units/:unitId')
  @Access('scoreboard.read')
  @ApiOperation({ summary: "One unit's result with its breakdown tree, down to each indicator's value, numerator, denominator and target (with a link to its records)" })
  @ApiParam({ name: 'unitId', example: '511325101' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  async unit(@Param('unitId') unitId: string, @Query('year') year?: string): Promise<Served<UnitBreakdown>> {
    const id = idParam('unitId', unitId);
    const results = await this.results(yearParam(year));
    // The breakdown and evidence views are built loosely typed (scoreboard.service.ts): asserted to the shared types here; test/e2e/staff-api-shapes.int-spec.ts checks their keys.
    return { ...header(results), unit: unitView(unitOf(results, id), results.result.year) as Served<UnitBreakdown['unit']> };
  }

  @Get('scoreboard/units/:unitId/indicators/:indicatorId/records')
  @Access('scoreboard.records')
  @ApiOperation({ summary: 'The records behind one indicator of one unit (messages, discrepancies, cards), paged; citizen ids masked' })
  @ApiParam({ name: 'unitId', example: '511325101' })
  @ApiParam({ name: 'indicatorId', example: 'births-vs-control' })
  @ApiQuery({ name: 'year', required: true, example: 2026 })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiResponse({ status: 404, description: "unknown unit or indicator, or (a township user) another township's unit" })
  async records(
    @CurrentStaff() staff: StaffPrincipal,
    @Param('unitId') unitId: string,
    @Param('indicatorId') indicatorId: string,
    @Query() query: Record<string, string | undefined>,
  ): Promise<Served<EvidencePage>> {
    const id = idParam('unitId', unitId);
    const indicator = idParam('indicatorId', indicatorId);
    const limit = limitParam(query.limit, 50, 500);
    const after = decodeCursor(query.cursor, (v) => v.length === 1 && v[0].length > 0);
    const results = await this.results(yearParam(query.year));
    const unit = unitOf(results, id);
    if (staff.scope.level !== 'county') {
      const planUnit = results.plan.lines.flatMap((l) => l.units).find((u) => u.id === id);
      if (!planUnit?.regionCode || !scopeCovers(staff.scope, planUnit.regionCode)) {
        throw new NotFoundException(`a ${staff.scope.level} user sees the records of the units in ${staff.scope.code} only`);
      }
    }
    const evidence = this.queries.indicatorEvidence(unit, indicator);
    if (evidence === undefined) throw new NotFoundException(`unit ${id} is not scored on indicator ${indicator}`);
    const from = after === undefined ? 0 : evidence.findIndex((e) => e > after[0]);
    const slice = from < 0 ? [] : evidence.slice(from, from + limit);
    const more = from >= 0 && from + limit < evidence.length;
    const items = await this.queries.records(slice);
    await this.staffUsers.audit({
      ...auditUser(staff), action: 'scoreboard.records',
      target: `${results.result.planId}/${results.result.year}/${id}/${indicator}`, detail: { cursor: query.cursor ?? null, count: items.length, ids: slice },
    });
    return {
      ...header(results),
      unitId: id,
      indicatorId: indicator,
      total: evidence.length,
      items: items as Served<EvidencePage['items']>,
      nextCursor: more ? encodeCursor([slice[slice.length - 1]]) : null,
    };
  }
}
