import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { HandlesJobs, JobName, NIGHTLY_LOG_PARTITIONS, NIGHTLY_REVOCATION_PRUNING, QueueName } from '@sanxian/jobs';
import { LogPartitionRepository, StaffRepository } from '@sanxian/persistence';
import { NightlyJobProcessor } from './nightly-job.processor';
import { keepNightlySchedule } from './nightly-schedule';

/** Months of partitions kept ready after this one: a worker stopped for a quarter still finds them. */
export const LOG_PARTITION_MONTHS_AHEAD = 3;
/** Nightly, China time, after the reconciliation's hours. */
export const LOG_PARTITIONS_CRON = '45 3 * * *';

/**
 * Nightly upkeep that is not evidence: the sign-outs of staff tokens that have expired anyway are
 * deleted (every token request reads that table by primary key; the audit log keeps each sign-out);
 * and the message log's month partitions are made ahead, at start and nightly (idempotent; a row of a
 * month with none lands in the DEFAULT partition, so intake never waits for this).
 */
@Processor(QueueName.Housekeeping, { concurrency: 1 })
@HandlesJobs(JobName.PruneRevocations, JobName.EnsureLogPartitions)
export class HousekeepingProcessor extends NightlyJobProcessor {
  constructor(
    private readonly staff: StaffRepository,
    private readonly partitions: LogPartitionRepository,
    @InjectQueue(QueueName.Housekeeping) private readonly housekeeping: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    super(housekeeping, { workerName: 'housekeeping', schedulerId: NIGHTLY_REVOCATION_PRUNING, cron: config.revocationPruneCron, job: { name: JobName.PruneRevocations, data: {} } });
  }

  override async onApplicationBootstrap(): Promise<void> {
    await super.onApplicationBootstrap();
    await keepNightlySchedule(this.housekeeping, NIGHTLY_LOG_PARTITIONS, LOG_PARTITIONS_CRON, { name: JobName.EnsureLogPartitions, data: {} }, this.logger);
    try {
      const made = await this.partitions.ensureAhead(LOG_PARTITION_MONTHS_AHEAD);
      if (made.length) this.logger.log(`made partitions ${made.join(', ')}`);
    } catch (error) {
      // PostgreSQL down at start: the nightly job makes them; until then rows land in a month made earlier or DEFAULT.
      this.logger.warn(`partitions ahead not made at start: ${(error as Error).message}`);
    }
  }

  async process(job: Job): Promise<{ revocationsDeleted: number } | { partitionsMade: string[] }> {
    if (job.name === JobName.PruneRevocations) return { revocationsDeleted: await this.staff.pruneRevocations() };
    if (job.name === JobName.EnsureLogPartitions) return { partitionsMade: await this.partitions.ensureAhead(LOG_PARTITION_MONTHS_AHEAD) };
    throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Housekeeping}`);
  }
}
