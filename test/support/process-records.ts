import { RecordKind } from '@sanxian/contracts';
import { toFacts } from '@sanxian/exchange';
import { IntakeRepository, MessageLogRepository } from '@sanxian/persistence';
import { logRecords } from './log-records';
import type { PersistenceContext } from './persistence-context';

/**
 * Logs records (objects as an agency sends them) and processes them as the worker does — the facts of
 * libs/exchange's fact mapper, committed through IntakeRepository — with no api, worker or Redis.
 * Returns each record's message id, in order.
 */
export async function processRecords(
  ctx: PersistenceContext, clientId: string, kind: RecordKind, records: Record<string, unknown>[], options: { receivedAt?: Date } = {},
): Promise<string[]> {
  const stored = await logRecords(ctx.get(MessageLogRepository), clientId, kind, records.map((r) => ({
    recordId: String(r.recordId), text: JSON.stringify(r), eventDate: (r.eventDate as string) ?? null, regionCode: (r.regionCode as string) ?? null,
  })), { receivedAt: options.receivedAt });
  const intake = ctx.get(IntakeRepository);
  for (const batchId of stored.batchIds) {
    const builder = intake.batchBuilder();
    for (const message of await intake.loadPending(batchId)) builder.add(message, toFacts(kind, JSON.parse(message.payload), message));
    await intake.commitProcessed(batchId, builder.finish(), []);
  }
  return records.map((_, i) => stored.messageId(i));
}
