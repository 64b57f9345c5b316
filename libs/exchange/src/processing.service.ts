import { Injectable, Logger } from '@nestjs/common';
import { FactRow, IntakeRepository, PendingMessage, ProcessedBatch, ProcessedBatchBuilder } from '@sanxian/persistence';
import { toFacts } from './fact-mapper';

export interface BatchOutcome {
  processed: number;
  dead: number;
  facts: number;
}

/**
 * Turns a batch of accepted messages into canonical facts and marks them processed, in one
 * transaction. A record that cannot be mapped is a result (that message goes dead with the
 * reason), not an exception; database trouble is thrown so that the queue retries.
 */
@Injectable()
export class ProcessingService {
  private readonly logger = new Logger(ProcessingService.name);

  constructor(private readonly intake: IntakeRepository) {}

  async processBatch(batchId: string): Promise<BatchOutcome> {
    const { batch, failed } = this.map(await this.intake.loadPending(batchId));
    if (failed.length) this.logger.warn(`batch ${batchId}: ${failed.length} record(s) could not be mapped`);
    const changed = await this.intake.commitProcessed(batchId, batch, failed);
    return { processed: changed, dead: failed.length, facts: batch.factCount };
  }

  /** The messages' facts, encoded one message at a time; the payloads and objects are let go before the database is waited on. */
  private map(messages: PendingMessage[]): { batch: ProcessedBatch; failed: { messageId: string; error: string }[] } {
    const batch = new ProcessedBatchBuilder();
    const failed: { messageId: string; error: string }[] = [];
    for (const message of messages) {
      let facts: FactRow[];
      try {
        facts = toFacts(message.kind, JSON.parse(message.payload), message);
      } catch (error) {
        failed.push({ messageId: message.id, error: `cannot map record: ${(error as Error).message}` });
        continue;
      }
      batch.add(message, facts);
    }
    return { batch: batch.finish(), failed };
  }

  async giveUp(batchId: string, error: string): Promise<number> {
    return this.intake.markBatchDead(batchId, error);
  }
}
