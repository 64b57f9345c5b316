import { Inject, Logger } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { HandlesJobs, JobName, JobProducer, QueueName } from '@sanxian/jobs';
import { PartTakenOver } from '@sanxian/persistence';
import { ReconciliationService, RunNotRunning, type DecidePartCounts, type RunSummary } from '@sanxian/reconciliation';

type PartJob = Job<{ runId: string; townshipCode?: string }>;

/**
 * The parts of a full run in parts (a BullMQ flow, see JobProducer.linkRunInParts): any number of
 * worker processes take them, RECONCILE_PART_CONCURRENCY parts at a time each. A part's progress
 * is in PostgreSQL, a page at a time, so a part whose worker died is retried (BullMQ's stalled-job
 * check) and resumes after its last committed page. When a part fails for good, the run is marked failed and the next run may start.
 */
@Processor(QueueName.ReconcileParts, { concurrency: 1 })
@HandlesJobs(JobName.ReconcileLinkPart, JobName.ReconcilePartsLinked, JobName.ReconcileDecidePart, JobName.ReconcilePartsDecided)
export class ReconcilePartsProcessor extends WorkerHost {
  private readonly logger = new Logger(ReconcilePartsProcessor.name);

  constructor(
    private readonly reconciliation: ReconciliationService,
    private readonly jobs: JobProducer,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super();
  }

  /** Parts at once in this process (RECONCILE_PART_CONCURRENCY): one waits on PostgreSQL while another computes. */
  onModuleInit(): void {
    this.worker.concurrency = this.config.reconcileParts.concurrency;
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`reconcile-parts worker: ${error.message}`);
  }

  async process(job: PartJob): Promise<{ township: string } | DecidePartCounts | RunSummary | { continued: string }> {
    const { runId, townshipCode } = job.data;
    try {
      switch (job.name) {
        case JobName.ReconcileLinkPart:
          await this.reconciliation.linkPart(runId, townshipCode!);
          this.logger.log(`run ${runId}: link part of township ${townshipCode} done`);
          return { township: townshipCode! };
        case JobName.ReconcilePartsLinked: {
          const townships = await this.reconciliation.townshipsOfRunInParts(runId);
          await this.jobs.decideRunInParts(runId, townships);
          return { continued: runId };
        }
        case JobName.ReconcileDecidePart: {
          const counts = await this.reconciliation.decidePart(runId, townshipCode!);
          this.logger.log(`run ${runId}: decide part of township ${townshipCode} done (${counts.parts} pages, ${counts.persons} persons)`);
          return counts;
        }
        case JobName.ReconcilePartsDecided: {
          const summary = await this.reconciliation.finishRunInParts(runId);
          // Batches that arrived while the run held others off are reconciled now, not at the next sweep.
          await this.jobs.enqueueReconcileAfterIntake().catch((error: Error) => this.logger.warn(`no run after run ${runId}: ${error.message}`));
          return summary;
        }
        default:
          throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.ReconcileParts}`);
      }
    } catch (error) {
      // Another worker holds this part now (this job was thought stalled): that worker finishes it.
      if (error instanceof PartTakenOver) throw error;
      const forGood = error instanceof RunNotRunning || error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (forGood) await this.reconciliation.failRunInParts(runId, `${job.name} ${townshipCode ?? ''}: ${(error as Error).message}`.trim());
      throw error instanceof RunNotRunning ? new UnrecoverableError(error.message) : error;
    }
  }
}
