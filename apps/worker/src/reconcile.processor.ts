import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { HandlesJobs, JobName, JobPayloads, NIGHTLY_RECONCILIATION, QueueName } from '@sanxian/jobs';
import { ReconciliationService, RunSummary } from '@sanxian/reconciliation';
import { NightlyJobProcessor } from './nightly-job.processor';

/**
 * Full reconciliations, one at a time: nightly (a BullMQ job scheduler), after intake, and on
 * demand. The service also holds a database lock, so a CLI run and a job never overlap.
 */
@Processor(QueueName.Reconcile, { concurrency: 1 })
@HandlesJobs(JobName.ReconcileRun)
export class ReconcileProcessor extends NightlyJobProcessor {
  constructor(
    private readonly reconciliation: ReconciliationService,
    @InjectQueue(QueueName.Reconcile) queue: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    super(queue, { workerName: 'reconcile', schedulerId: NIGHTLY_RECONCILIATION, cron: config.reconcileCron, job: { name: JobName.ReconcileRun, data: { trigger: 'nightly' } } });
  }

  async process(job: Job<JobPayloads[JobName.ReconcileRun]>): Promise<RunSummary> {
    if (job.name !== JobName.ReconcileRun) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Reconcile}`);
    return this.reconciliation.run({ trigger: job.data.trigger, townshipCode: job.data.townshipCode ?? null, asOf: job.data.asOf });
  }
}
