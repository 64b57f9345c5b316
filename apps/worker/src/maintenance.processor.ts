import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { RelayService } from '@sanxian/exchange';
import { JobName, QueueName } from '@sanxian/jobs';

/** Scheduled housekeeping: the outbox relay (and, later, nightly reconciliation and indicators). */
@Processor(QueueName.Maintenance)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly relay: RelayService,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Not awaited: while Redis is down this waits for it, and the worker must still start.
    void this.queue
      .upsertJobScheduler('relay-outbox', { every: this.config.relayIntervalMs }, { name: JobName.RelayOutbox, opts: { removeOnComplete: 100, removeOnFail: 100 } })
      .catch((error) => this.logger.error(`cannot schedule the relay: ${(error as Error).message}`));
    // Catch up at once on whatever an earlier crash left behind.
    void this.relay.relay().catch((error) => this.logger.warn(`start-up relay: ${(error as Error).message}`));
  }

  async process(job: Job): Promise<unknown> {
    switch (job.name as JobName) {
      case JobName.RelayOutbox:
        return this.relay.relay();
      default:
        throw new UnrecoverableError(`no handler for ${job.name} on ${QueueName.Maintenance}`);
    }
  }
}
