import { IntakeLoad, RecordKind } from '@sanxian/contracts';
import { LogRowsBuilder, MessageLogRepository, StoreResult } from '@sanxian/persistence';

export interface TestRecord {
  recordId: string;
  /** The record's JSON text as sent (defaults to a small object naming the record). */
  text?: string;
  eventDate?: string | null;
  regionCode?: string | null;
}

/** Logs records through MessageLogRepository.storeBatch, prepared as the api prepares them (LogRowsBuilder). */
export async function logRecords(
  log: MessageLogRepository, clientId: string, kind: RecordKind, records: TestRecord[],
  options: { batchSize?: number; receivedAt?: Date; load?: IntakeLoad } = {},
): Promise<StoreResult> {
  const rows = new LogRowsBuilder(clientId, kind, (options.receivedAt ?? new Date()).toISOString());
  for (const r of records) {
    rows.add({
      recordId: r.recordId,
      payload: Buffer.from(r.text ?? JSON.stringify({ recordId: r.recordId })),
      eventDate: r.eventDate === undefined ? '2025-06-01' : r.eventDate,
      regionCode: r.regionCode === undefined ? '511325101002' : r.regionCode,
      warnings: [],
    });
  }
  return log.storeBatch(clientId, kind, rows.finish(), options.batchSize ?? 100, options.load);
}
