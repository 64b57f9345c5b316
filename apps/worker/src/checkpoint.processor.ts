import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { LogCheckpoints } from '@sanxian/evidence';
import { HandlesJobs, JobName, QueueName, SCHEDULED_CHECKPOINT } from '@sanxian/jobs';
import { MessageLogRepository } from '@sanxian/persistence';
import { keepIntervalSchedule } from './nightly-schedule';

/**
 * Signed checkpoints of the message log's chain heads, every CHECKPOINT_INTERVAL minutes (a BullMQ job
 * scheduler: one per interval, however many workers run); `sanxian log checkpoint` writes one on demand.
 */
@Processor(QueueName.Checkpoint, { concurrency: 1 })
@HandlesJobs(JobName.LogCheckpoint)
export class CheckpointProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(CheckpointProcessor.name);
  private readonly checkpoints: LogCheckpoints;

  constructor(
    log: MessageLogRepository,
    @InjectQueue(QueueName.Checkpoint) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super();
    this.checkpoints = new LogCheckpoints(log, config.checkpoints);
  }

  async onApplicationBootstrap(): Promise<void> {
    await keepIntervalSchedule(this.queue, SCHEDULED_CHECKPOINT, this.config.checkpoints.intervalMinutes * 60_000, { name: JobName.LogCheckpoint, data: {} }, this.logger);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`checkpoint worker: ${error.message}`);
  }

  /** A refused checkpoint is news for the operator: the log may have been rewritten (the message says which rows). */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.error(`scheduled checkpoint failed (attempt ${job?.attemptsMade ?? '?'}): ${error.message}`);
  }

  async process(job: Job): Promise<{ hash: string; clients: number; witness?: string }> {
    if (job.name !== JobName.LogCheckpoint) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Checkpoint}`);
    const written = await this.checkpoints.write();
    if (written.keyCreated) this.logger.log(`made the checkpoint signing key; its public key is ${written.publicKeyFile}`);
    if (written.witness !== undefined && written.witness !== 'sent') this.logger.warn(`checkpoint ${written.checkpoint.hash}: witness ${written.witness}`);
    return { hash: written.checkpoint.hash, clients: written.checkpoint.checkpoint.heads.length, witness: written.witness };
  }
}
