import { Injectable, Logger } from '@nestjs/common';
import { FactRow, IntakeRepository, PendingMessage, ProcessedBatch, isDatabaseUnavailable } from '@sanxian/persistence';

const EMPTY_BATCH: ProcessedBatch = { receipts: [], facts: [], processed: 0, factCount: 0, cardMessageIds: [] };
import { toFacts } from '@sanxian/exchange';

export interface BatchOutcome {
  processed: number;
  dead: number;
  facts: number;
}

/**
 * Turns a batch of accepted messages into canonical facts and marks them processed, in one
 * transaction. A record that cannot be mapped is a result (that message goes dead with the
 * reason), not an exception; so is a record the database refuses (the batch is committed in parts
 * around it). Database unavailability is thrown so that the queue retries.
 */
@Injectable()
export class ProcessingService {
  private readonly logger = new Logger(ProcessingService.name);

  constructor(private readonly intake: IntakeRepository) {}

  async processBatch(batchId: string): Promise<BatchOutcome> {
    const messages = await this.intake.loadPending(batchId);
    try {
      return await this.commit(batchId, messages, false);
    } catch (error) {
      // The database refused the batch for something in it (a value it cannot hold, a fact it rejects):
      // the batch is committed in halves until the messages at fault stand alone, and only they go dead.
      if (isDatabaseUnavailable(error) || messages.length === 0) throw error;
      this.logger.warn(`batch ${batchId}: ${(error as Error).message}; committing its ${messages.length} message(s) in parts`);
      return this.bisect(batchId, messages);
    }
  }

  private async commit(batchId: string, messages: PendingMessage[], part: boolean): Promise<BatchOutcome> {
    const { batch, failed } = this.map(messages);
    if (failed.length) this.logger.warn(`batch ${batchId}: ${failed.length} record(s) could not be mapped`);
    const changed = await this.intake.commitProcessed(batchId, batch, failed, { part });
    return { processed: changed, dead: failed.length, facts: batch.factCount };
  }

  private async bisect(batchId: string, messages: PendingMessage[]): Promise<BatchOutcome> {
    try {
      return await this.commit(batchId, messages, true);
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      if (messages.length === 1) {
        const reason = `cannot store record: ${(error as Error).message}`;
        await this.intake.commitProcessed(batchId, EMPTY_BATCH, [{ messageId: messages[0].id, error: reason }], { part: true });
        return { processed: 0, dead: 1, facts: 0 };
      }
      const middle = Math.ceil(messages.length / 2);
      const first = await this.bisect(batchId, messages.slice(0, middle));
      const second = await this.bisect(batchId, messages.slice(middle));
      return { processed: first.processed + second.processed, dead: first.dead + second.dead, facts: first.facts + second.facts };
    }
  }

  /** The messages' facts, encoded one message at a time; the payloads and objects are let go before the database is waited on. */
  private map(messages: PendingMessage[]): { batch: ProcessedBatch; failed: { messageId: string; error: string }[] } {
    const batch = this.intake.batchBuilder();
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
