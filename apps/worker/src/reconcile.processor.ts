import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { BulkLoadService } from '@sanxian/intake';
import { HandlesJobs, JobName, JobPayloads, JobProducer, NIGHTLY_RECONCILIATION, QueueName, RECONCILE_SWEEP, RECONCILE_SWEEP_EVERY_MS } from '@sanxian/jobs';
import { ReconciliationService, RunSummary } from '@sanxian/reconciliation';
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

  async process(job: Job<JobPayloads[JobName.ReconcileRun]>): Promise<RunSummary | PostponedRun | { nothingToDo: true }> {
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
    if (job.data.trigger === 'intake' || job.data.trigger === 'sweep') {
      return (await this.reconciliation.runIncremental({ trigger: job.data.trigger, asOf: job.data.asOf })) ?? { nothingToDo: true };
    }
    return this.reconciliation.run({ trigger: job.data.trigger, townshipCode: job.data.townshipCode ?? null, asOf: job.data.asOf });
  }
}
