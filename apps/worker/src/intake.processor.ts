import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Logger, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { BatchOutcome, ProcessingService } from '@sanxian/intake';
import { HandlesJobs, JobName, JobPayloads, JobProducer, QueueName } from '@sanxian/jobs';

/** One job per stored batch. Retries come from the job's attempts and backoff; the last failure marks the messages dead. */
@Processor(QueueName.Intake)
@HandlesJobs(JobName.IntakeBatch)
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

  /**
   * While an agency's bulk delivery arrives, processing waits (at most PROCESSING_YIELD_MAX_MS) so that the
   * delivery is acknowledged at full speed; the cores are the api's and the database's until it pauses.
   * Processing is asynchronous by contract: a batch's records are safe in the log while it waits.
   */
  private async holdBackForBurst(): Promise<void> {
    const deadline = Date.now() + this.config.processingYieldMaxMs;
    for (;;) {
      const remaining = await this.jobs.intakeBurstRemainingMs().catch(() => 0); // Redis trouble: do not wait on it
      if (remaining === 0 || Date.now() >= deadline) return;
      await sleep(Math.min(remaining, 50, deadline - Date.now()));
    }
  }

  async process(job: Job<JobPayloads[JobName.IntakeBatch]>): Promise<BatchOutcome> {
    if (job.name !== JobName.IntakeBatch) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Intake}`);
    await this.holdBackForBurst();
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
