import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { BulkLoadService } from '@sanxian/intake';
import { HandlesJobs, JobName, JobPayloads, JobProducer, NIGHTLY_RECONCILIATION, QueueName, RECONCILE_SWEEP, RECONCILE_SWEEP_EVERY_MS } from '@sanxian/jobs';
import { ReconciliationService, RunSummary, RunUnderWay } from '@sanxian/reconciliation';
import { NightlyJobProcessor } from './nightly-job.processor';
import { keepIntervalSchedule } from './nightly-schedule';

/** A run put off because a bulk load is open (or its batches are still being processed). */
export interface PostponedRun {
  postponedUntil: string;
  openLoads: string[];
  pendingBatches: number;
}

/**
 * Reconciliations, one at a time: full nightly (a BullMQ job scheduler) and on demand; incremental
 * after intake and from the sweeper (every few minutes), over the batches no run has covered yet.
 * The service also holds a database lock, so a CLI run and a job never overlap. The automatic runs
 * (after intake, sweeper, nightly) wait while a bulk load is open; an on-demand run goes ahead.
 */
@Processor(QueueName.Reconcile, { concurrency: 1 })
@HandlesJobs(JobName.ReconcileRun)
export class ReconcileProcessor extends NightlyJobProcessor {
  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly bulkLoads: BulkLoadService,
    private readonly jobs: JobProducer,
    @InjectQueue(QueueName.Reconcile) private readonly reconcileQueue: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    super(reconcileQueue, { workerName: 'reconcile', schedulerId: NIGHTLY_RECONCILIATION, cron: config.reconcileCron, job: { name: JobName.ReconcileRun, data: { trigger: 'nightly' } } });
  }

  override async onApplicationBootstrap(): Promise<void> {
    await super.onApplicationBootstrap();
    await keepIntervalSchedule(this.reconcileQueue, RECONCILE_SWEEP, RECONCILE_SWEEP_EVERY_MS, { name: JobName.ReconcileRun, data: { trigger: 'sweep' } }, this.logger);
  }

  async process(job: Job<JobPayloads[JobName.ReconcileRun]>): Promise<RunSummary | PostponedRun | { nothingToDo: true } | { waitingFor: string } | { runInParts: string; townships: number }> {
    if (job.name !== JobName.ReconcileRun) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Reconcile}`);
    if (job.data.trigger !== 'on-demand') {
      const hold = await this.bulkLoads.reconciliationHold();
      if (hold) {
        await this.jobs.enqueueReconcileAt(job.data, hold.until);
        const openLoads = hold.openLoads.map((l) => `${l.clientId} (${l.loads.join('+')}, ${l.records} records)`);
        this.logger.log(`${job.data.trigger} reconciliation put off until ${hold.until.toISOString()}: bulk loads open: ${openLoads.join(', ') || 'none'}; batches pending: ${hold.pendingBatches}`);
        return { postponedUntil: hold.until.toISOString(), openLoads, pendingBatches: hold.pendingBatches };
      }
    }
    try {
      if (job.data.trigger === 'intake' || job.data.trigger === 'sweep') {
        const runIncremental = () => this.reconciliation.runIncremental({ trigger: job.data.trigger, asOf: job.data.asOf, handOverRunInParts: true });
        let incremental = await runIncremental();
        // Batches committed while it ran (their window's job may have been this very one): taken now, a few rounds at most.
        for (let round = 0; round < 5 && incremental !== undefined && !('fullRunWanted' in incremental); round += 1) {
          const next = await runIncremental();
          if (next === undefined) break;
          incremental = next;
        }
        // A backlog, or cards reaching much of the county, in a county that goes in parts: every worker shares the full run.
        if (incremental && 'fullRunWanted' in incremental) return await this.startRunInParts(job.data);
        return incremental ?? { nothingToDo: true };
      }
      if ((job.data.townshipCode ?? null) === null && (await this.reconciliation.goesInParts())) return await this.startRunInParts(job.data);
      return await this.reconciliation.run({ trigger: job.data.trigger, townshipCode: job.data.townshipCode ?? null, asOf: job.data.asOf });
    } catch (error) {
      // A full run in parts is under way: it covers what this run would (the sweeper takes what arrives meanwhile).
      if (error instanceof RunUnderWay) return { waitingFor: error.runId };
      throw error;
    }
  }

  /**
   * A county too large for memory: the full run is planned in PostgreSQL and handed to every
   * worker as a flow of township parts; this job ends once the flow is queued.
   */
  private async startRunInParts(data: JobPayloads[JobName.ReconcileRun]): Promise<{ runInParts: string; townships: number }> {
    const plan = await this.reconciliation.planRunInParts({ trigger: data.trigger, asOf: data.asOf });
    try {
      await this.jobs.linkRunInParts(plan.runId, plan.townships);
    } catch (error) {
      // Without its jobs the run would hold every other run off until it is abandoned.
      await this.reconciliation.failRunInParts(plan.runId, `its parts could not be queued: ${(error as Error).message}`);
      throw error;
    }
    this.logger.log(`full run ${plan.runId} (${data.trigger}) handed to the workers in ${plan.townships.length} township parts`);
    return { runInParts: plan.runId, townships: plan.townships.length };
  }
}
