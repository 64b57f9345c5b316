import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { HandlesJobs, JobName, NIGHTLY_REVOCATION_PRUNING, QueueName } from '@sanxian/jobs';
import { StaffRepository } from '@sanxian/persistence';
import { NightlyJobProcessor } from './nightly-job.processor';

/**
 * Nightly upkeep that is not evidence: the sign-outs of staff tokens that have expired anyway are
 * deleted (every token request reads that table by primary key; the audit log keeps each sign-out).
 */
@Processor(QueueName.Housekeeping, { concurrency: 1 })
@HandlesJobs(JobName.PruneRevocations)
export class HousekeepingProcessor extends NightlyJobProcessor {
  constructor(
    private readonly staff: StaffRepository,
    @InjectQueue(QueueName.Housekeeping) queue: Queue,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    super(queue, { workerName: 'housekeeping', schedulerId: NIGHTLY_REVOCATION_PRUNING, cron: config.revocationPruneCron, job: { name: JobName.PruneRevocations, data: {} } });
  }

  async process(job: Job): Promise<{ revocationsDeleted: number }> {
    if (job.name !== JobName.PruneRevocations) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Housekeeping}`);
    return { revocationsDeleted: await this.staff.pruneRevocations() };
  }
}
