import { Inject } from '@nestjs/common';
import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { AssessmentService, ComputeSummary, NoPlanError } from '@sanxian/assessment';
import { HandlesJobs, JobName, JobPayloads, NIGHTLY_INDICATORS, QueueName } from '@sanxian/jobs';
import { todayInChina } from '@sanxian/reconciliation';
import { NightlyJobProcessor } from './nightly-job.processor';

/** Recomputes the year's indicators nightly, after the reconciliation, and on demand. */
@Processor(QueueName.Indicators, { concurrency: 1 })
@HandlesJobs(JobName.IndicatorsCompute)
export class IndicatorsProcessor extends NightlyJobProcessor {
  constructor(
    private readonly assessment: AssessmentService,
    @InjectQueue(QueueName.Indicators) queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super(queue, { workerName: 'indicators', schedulerId: NIGHTLY_INDICATORS, cron: config.indicatorsCron, job: { name: JobName.IndicatorsCompute, data: {} } });
  }

  async process(job: Job<JobPayloads[JobName.IndicatorsCompute]>): Promise<ComputeSummary | { skipped: string }> {
    if (job.name !== JobName.IndicatorsCompute) throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Indicators}`);
    const asOf = job.data.asOf ?? this.config.reconcileAsOf ?? todayInChina();
    const year = job.data.year ?? Number(asOf.slice(0, 4));
    try {
      return await this.assessment.computeIndicators(year, asOf);
    } catch (error) {
      // No plan for the year is a state, not a failure: nothing to compute until one is published.
      if (error instanceof NoPlanError) return { skipped: error.message };
      throw error;
    }
  }
}
