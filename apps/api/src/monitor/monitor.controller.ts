import { Body, Controller, Get, HttpCode, Inject, Logger, NotFoundException, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AGENCIES, HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { BulkLoadService } from '@sanxian/intake';
import type { AssessmentPlan, LocalizedName } from '@sanxian/domain';
import { JobProducer, QueueName, intakeJobId } from '@sanxian/jobs';
import { AssessmentRepository, IntakeRepository, LATE_AFTER_DAYS, MonitorRepository, StaffRepository } from '@sanxian/persistence';
import { CurrentStaff, StaffPrincipal } from '../auth/staff-principal';
import { Access } from '../auth/access-policy';
import { StaffAuthGuard } from '../auth/staff-auth.guard';
import { auditUser } from '../reconciliation/discrepancy.controller';
import { MonitorRequestValidator, agencyScope, periodParams } from './monitor-request';
import type { Monitor, ReplayResult, Served } from '@sanxian/api-types';

/** How many of the latest refusals and dead messages the monitor lists. */
const RECENT_REJECTIONS = 100;
const DEAD_LISTED = 200;

/** The work, or an error after `ms` (Redis commands wait for a connection that may not come back soon). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const share = (late: number, received: number) => (received === 0 ? null : Math.round((late / received) * 10_000) / 10_000);
/** The late share of the regular flow: an initial load or a history import is counted apart, never late. */
const lateShare = (r: { late: number; received: number; initialLoad: number }) => share(r.late, r.received - r.initialLoad);

/**
 * The exchange monitor for staff: per agency and per station, what was received each day, what
 * was late (received more than 30 days after its event) and what was refused and why; and the
 * messages that failed every processing attempt, which an administrator can replay. County-wide
 * roles watch every agency; a department liaison only their own; township offices not at all.
 */
@ApiTags('exchange monitor')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'no valid bearer token' })
@UseGuards(StaffAuthGuard)
@Controller('v1/exchange/monitor')
export class MonitorController {
  private readonly logger = new Logger(MonitorController.name);

  constructor(
    private readonly monitor: MonitorRepository,
    private readonly intake: IntakeRepository,
    private readonly plans: AssessmentRepository,
    private readonly jobs: JobProducer,
    private readonly staffUsers: StaffRepository,
    private readonly bulkLoads: BulkLoadService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  private readonly bodies = new MonitorRequestValidator();

  @Get()
  @Access('monitor.read')
  @ApiOperation({
    summary: 'Per agency and station: records received per day, late ones, refusals with their reasons, and the dead messages',
    description:
      'Days are days of receipt in China time. A record is late when received more than 30 days after its eventDate. ' +
      'An initial load or a history import (`?load=` on the delivery) is counted in `initialLoad`, never late; `lateShare` is late / (received − initialLoad). ' +
      'Stations are the codes the records carry (policeStation, facility, registrationOffice), named from the year\'s plan when it lists them. ' +
      '`days` lists only days with records; `dead` is every message dead now, whenever received; `bulkLoads.open` the bulk loads open now, which automatic reconciliation waits for. A department user (whose account region names their agency) sees that agency only.',
  })
  @ApiQuery({ name: 'from', required: false, description: 'first day of receipt, YYYY-MM-DD; default 29 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'last day of receipt, YYYY-MM-DD; default today (China); at most 400 days in all' })
  @ApiQuery({ name: 'agency', required: false, enum: AGENCIES })
  @ApiResponse({ status: 403, description: 'a township user, or a department user asking for another agency' })
  async overview(@CurrentStaff() staff: StaffPrincipal, @Query() query: Record<string, string | undefined>): Promise<Served<Monitor>> {
    const agency = agencyScope(staff, query.agency);
    const { from, to } = periodParams(query.from, query.to);
    const period = { from, to, agency };
    const [days, stations, reasons, rejections, deadCounts, dead, stationNames, openLoads] = await Promise.all([
      this.monitor.days(period),
      this.monitor.stations(period),
      this.monitor.rejectionReasons(period),
      this.monitor.recentRejections(period, RECENT_REJECTIONS),
      this.monitor.deadCounts(agency),
      this.monitor.dead(agency, DEAD_LISTED),
      this.stationNames(Number(to.slice(0, 4))),
      this.bulkLoads.open(),
    ]);
    const agencies = (agency ? [agency] : [...AGENCIES]).map((a) => {
      const rows = days.filter((d) => d.agency === a);
      const received = rows.reduce((n, d) => n + d.received, 0);
      const initialLoad = rows.reduce((n, d) => n + d.initialLoad, 0);
      const late = rows.reduce((n, d) => n + d.late, 0);
      return {
        agency: a, received, initialLoad, late, lateShare: lateShare({ late, received, initialLoad }), rejected: rows.reduce((n, d) => n + d.rejected, 0),
        dead: deadCounts.find((d) => d.agency === a)?.dead ?? 0,
      };
    });
    const totals = agencies.reduce(
      (t, a) => ({ received: t.received + a.received, initialLoad: t.initialLoad + a.initialLoad, late: t.late + a.late, rejected: t.rejected + a.rejected, dead: t.dead + a.dead }),
      { received: 0, initialLoad: 0, late: 0, rejected: 0, dead: 0 },
    );
    // The refusals and dead messages listed are records about citizens: who saw which is on record.
    await this.staffUsers.audit({
      ...auditUser(staff), action: 'monitor.read',
      detail: { filter: { from, to, agency }, rejections: rejections.map((r) => r.id), deadMessages: dead.map((d) => d.messageId) },
    });
    return {
      from, to, agency, lateAfterDays: LATE_AFTER_DAYS,
      totals: { ...totals, lateShare: lateShare(totals) },
      agencies,
      days,
      stations: stations.map((s) => ({ ...s, stationName: s.stationCode ? stationNames.get(s.stationCode) ?? null : null, lateShare: lateShare(s) })),
      rejectionReasons: reasons,
      rejections,
      dead: { total: totals.dead, items: dead },
      bulkLoads: { quietMs: this.config.bulkLoadQuietMs, open: openLoads.filter((l) => agency === null || l.agency === agency) },
    };
  }

  @Post('dead/replay')
  @Access('monitor.replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Process dead messages again: the ones listed, or all (safe: processing is idempotent); audited',
    description: 'As `npx sanxian dead replay`: the messages go back to accepted and their batches to the intake queue.',
  })
  @ApiBody({ schema: { type: 'object', properties: { messageIds: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: 500 }, all: { type: 'boolean' } } } })
  @ApiResponse({ status: 200, description: '{messages, batches, enqueued}: enqueued false when Redis is down (the relay hands them over when it returns)' })
  @ApiResponse({ status: 404, description: 'none of the messages listed is dead' })
  async replay(@CurrentStaff() staff: StaffPrincipal, @Body() body: unknown): Promise<ReplayResult> {
    const request = this.bodies.parseReplay(body);
    const revived = await this.intake.reviveDead(request.all ? 'all' : request.messageIds);
    if (request.messageIds && revived.messages === 0) throw new NotFoundException('none of the messages listed is dead (replayed already?)');
    let enqueued = true;
    try {
      // The failed jobs of the dead batches are still known to Redis under their ids: removed first, so that the batches go now.
      const queue = this.jobs.queue(QueueName.Intake);
      await within(5000, Promise.all(revived.batchIds.map((batchId) => queue.remove(intakeJobId(batchId)).catch(() => 0))));
      await this.jobs.enqueueIntake(revived.batchIds);
      await this.intake.markEnqueued(revived.batchIds);
    } catch (error) {
      // Redis is down: the relay enqueues the reopened batches when it returns.
      enqueued = false;
      this.logger.warn(`replayed batches left for the relay: ${(error as Error).message}`);
    }
    await this.staffUsers.audit({
      ...auditUser(staff), action: 'dead.replay', target: request.all ? 'all' : request.messageIds.join(','),
      detail: { all: request.all === true, messageIds: request.messageIds ?? null, messages: revived.messages, batchIds: revived.batchIds },
    });
    return { messages: revived.messages, batches: revived.batchIds.length, enqueued };
  }

  /** Station codes to their names, from the year's plan (the department line lists its stations); empty without one. */
  private async stationNames(year: number): Promise<Map<string, LocalizedName>> {
    const names = new Map<string, LocalizedName>();
    const stored = await this.plans.currentPlan(year).catch(() => undefined);
    const plan = stored?.document as unknown as AssessmentPlan | undefined;
    for (const unit of (plan?.lines ?? []).flatMap((l) => l.units)) for (const code of unit.codes ?? []) names.set(code, unit.name);
    return names;
  }
}
