// Light entries only: an intake thread should not load TypeORM and Nest for three functions.
import type { RecordIssue, RecordKind, RecordValidator } from '@sanxian/contracts/light';
import { type BatchFormat, displayableRecordId, forEachBatchEntry, isPlainText } from '@sanxian/exchange';
import { LogRowsBuilder, type PreparedLogRecords } from '@sanxian/persistence/light';

/**
 * The CPU-bound part of an intake request, with no database or network: parse the body, validate each
 * record, and encode the valid ones for the log. The api runs it in intake threads (IntakePreparer) so
 * that its main thread stays free to write other requests to the database; it is pure, so it runs inline
 * just the same.
 */

export interface IntakeRequest {
  kind: RecordKind;
  format: BatchFormat;
  body: Uint8Array;
  clientId: string;
  /** The receipt time every accepted record gets, ISO 8601. */
  receivedAt: string;
}

/** A record refused before storage, with what the sender needs to fix it. */
export interface RefusedEntry {
  index: number;
  recordId: string | null;
  errors: RecordIssue[];
  /**
   * What is kept of a parsed record to score the sender's data validity: never the record itself, which
   * may be anything a sender wrote (nested 10,000 deep, megabytes long) and would travel back from the thread.
   */
  kept?: RejectedRecordFacts;
}

export interface RejectedRecordFacts {
  stationCode: string | null;
  eventDate: string | null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The station and event date of a refused record, where they are well-formed enough to count it by. */
export function rejectedRecordFacts(record: unknown): RejectedRecordFacts {
  const fields = typeof record === 'object' && record !== null ? (record as Record<string, any>) : {};
  const station: unknown = fields.policeStation?.code ?? fields.facility?.code ?? fields.registrationOffice?.code;
  const eventDate: unknown = fields.eventDate;
  return {
    stationCode: isPlainText(station, 32) && station !== '' ? station : null,
    eventDate: typeof eventDate === 'string' && ISO_DATE.test(eventDate) && !Number.isNaN(Date.parse(eventDate)) ? eventDate : null,
  };
}

export interface PreparedRequest {
  /** Records in the body. */
  entries: number;
  refused: RefusedEntry[];
  /** The body index of each valid record, in the order of `log`. */
  validIndexes: number[];
  /** Warnings of the valid records that have any, as [position in validIndexes, warnings]. */
  warnings: [number, RecordIssue[]][];
  log: PreparedLogRecords;
}

/** The record id a refusal names: none for one that could not be echoed or stored safely (see displayableRecordId). */
function recordIdOf(record: unknown): string | null {
  const id = (record as { recordId?: unknown } | null)?.recordId;
  if (typeof id === 'number' || typeof id === 'boolean') return String(id);
  return displayableRecordId(record) ?? null;
}

/**
 * Throws BatchBodyError for a body that cannot be read as a batch at all. Each record is parsed, checked and
 * encoded before the next is read, so that its objects die young: a whole request's parsed records alive at
 * once were copied by every pass of the garbage collector.
 */
export function prepareRequest(validator: RecordValidator, request: IntakeRequest): PreparedRequest {
  const { kind, format } = request;
  const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
  const refused: RefusedEntry[] = [];
  const validIndexes: number[] = [];
  const warnings: [number, RecordIssue[]][] = [];
  const log = new LogRowsBuilder(request.clientId, kind, request.receivedAt);
  const entries = forEachBatchEntry(format, body, (entry) => {
    if ('error' in entry) {
      refused.push({ index: entry.index, recordId: entry.recordId ?? null, errors: [entry.error] });
      return;
    }
    const check = validator.check(kind, entry.record, { coerce: format === 'csv' });
    if (check.errors.length) {
      refused.push({ index: entry.index, recordId: recordIdOf(entry.record), errors: check.errors, kept: rejectedRecordFacts(entry.record) });
      return;
    }
    const record = entry.record as { recordId: string; eventDate: string; regionCode: string };
    if (check.warnings.length) warnings.push([log.length, check.warnings]);
    // An NDJSON line is kept as sent; a record from a JSON array or a CSV row is written out as JSON.
    const payload = 'text' in entry && entry.text ? entry.text : Buffer.from(JSON.stringify(record));
    log.add({ recordId: record.recordId, payload, eventDate: record.eventDate, regionCode: record.regionCode, warnings: check.warnings });
    validIndexes.push(entry.index);
  });
  return { entries, refused, validIndexes, warnings, log: log.finish() };
}
