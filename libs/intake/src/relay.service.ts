import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { ClientRepository, IntakeRepository } from '@sanxian/persistence';
import { JobProducer, QueueName, intakeJobId } from '@sanxian/jobs';

/** The advisory lock key of the relay (any constant unique within the database). */
const RELAY_LOCK = 0x5158_0001;

/**
 * The outbox relay: the database says which batches are committed but not done; Redis may have
 * lost their jobs (it was down, or restarted empty). Re-enqueueing is safe because processing is
 * idempotent and job ids are deterministic.
 */
@Injectable()
export class RelayService {
  private readonly logger = new Logger(RelayService.name);

  constructor(
    private readonly intake: IntakeRepository,
    private readonly clients: ClientRepository,
    private readonly jobs: JobProducer,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Relays unless another worker is relaying right now. */
  async relayExclusively(): Promise<{ enqueued: number; requeued: number } | undefined> {
    return this.intake.exclusively(RELAY_LOCK, () => this.relay());
  }

  async relay(): Promise<{ enqueued: number; requeued: number }> {
    const unqueued = await this.intake.findUnqueued(2000);
    if (unqueued.length) {
      await this.jobs.enqueueIntake(unqueued);
      await this.intake.markEnqueued(unqueued);
    }
    let requeued = 0;
    for (const batchId of await this.intake.findQueuedButUnfinished(this.config.relayRequeueAfterMs)) {
      const state = await this.jobs.intakeJobState(batchId);
      // 'failed' with attempts left cannot happen (BullMQ retries), and after the last attempt the batch is dead.
      if (state === 'missing' || state === 'completed' || state === 'failed' || state === 'unknown') {
        if (state !== 'missing') await this.jobs.queue(QueueName.Intake).remove(intakeJobId(batchId)).catch(() => undefined);
        await this.jobs.enqueueIntake([batchId]);
        requeued++;
      }
    }
    if (unqueued.length || requeued) this.logger.log(`relay: enqueued ${unqueued.length} unqueued and ${requeued} lost batch(es)`);
    await this.clients.forgetNoncesOlderThan(this.config.nonceTtlSeconds);
    return { enqueued: unqueued.length, requeued };
  }
}
