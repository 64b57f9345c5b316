import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { BatchOutcome, ProcessingService } from '@sanxian/exchange';
import { JobName, JobPayloads, JobProducer, QueueName } from '@sanxian/jobs';

/** One job per stored batch. Retries come from the job's attempts and backoff; the last failure marks the messages dead. */
@Processor(QueueName.Intake)
export class IntakeProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(IntakeProcessor.name);

  constructor(
    private readonly processing: ProcessingService,
    private readonly jobs: JobProducer,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  /** Redis connection trouble: logged, and BullMQ reconnects by itself. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`intake worker: ${error.message}`);
  }

  async process(job: Job<JobPayloads[JobName.IntakeBatch]>): Promise<BatchOutcome> {
    if (job.name !== JobName.IntakeBatch) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Intake}`);
    try {
      const outcome = await this.processing.processBatch(job.data.batchId);
      // The batch is committed whatever happens here: a lost request only waits for the nightly run.
      await this.jobs.enqueueReconcileAfterIntake().catch((error: Error) => this.logger.warn(`cannot ask for reconciliation: ${error.message}`));
      return outcome;
    } catch (error) {
      const lastAttempt = error instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) await this.processing.giveUp(job.data.batchId, (error as Error).message);
      throw error;
    }
  }
}
