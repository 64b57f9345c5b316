import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { HandlesJobs, JobName, JobPayloads, NIGHTLY_RECONCILIATION, QueueName } from '@sanxian/jobs';
import { ReconciliationService, RunSummary } from '@sanxian/reconciliation';
import { keepNightlySchedule } from './nightly-schedule';

/**
 * Full reconciliations, one at a time: nightly (a BullMQ job scheduler), after intake, and on
 * demand. The service also holds a database lock, so a CLI run and a job never overlap.
 */
@Processor(QueueName.Reconcile, { concurrency: 1 })
@HandlesJobs(JobName.ReconcileRun)
export class ReconcileProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReconcileProcessor.name);

  constructor(
    private readonly reconciliation: ReconciliationService,
    @InjectQueue(QueueName.Reconcile) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await keepNightlySchedule(this.queue, NIGHTLY_RECONCILIATION, this.config.reconcileCron, { name: JobName.ReconcileRun, data: { trigger: 'nightly' } }, this.logger);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`reconcile worker: ${error.message}`);
  }

  async process(job: Job<JobPayloads[JobName.ReconcileRun]>): Promise<RunSummary> {
    if (job.name !== JobName.ReconcileRun) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Reconcile}`);
    return this.reconciliation.run({ trigger: job.data.trigger, townshipCode: job.data.townshipCode ?? null, asOf: job.data.asOf });
  }
}
