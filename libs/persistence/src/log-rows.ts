import { v7 as timeOrderedUuid } from 'uuid';
import type { RecordIssue, RecordKind } from '@sanxian/contracts/light';
import { sha256Hex } from '@sanxian/domain';
import { OpenRows, OpenRowsBuilder, openRowFields } from './copy-text';

/**
 * The message log's rows, prepared without a database: pure, so that the api can prepare a request's rows
 * in an intake thread while its main thread writes another request's to the database.
 */

/** A record that passed validation, ready to be logged. */
export interface RecordToStore {
  recordId: string;
  /** The record's JSON text as UTF-8, as the agency sent it where it could be kept (NDJSON): what is hashed and kept. */
  payload: Buffer;
  eventDate: string | null;
  regionCode: string | null;
  warnings: RecordIssue[];
}

/** The columns a row is encoded with before the client's lock, in order; CHAIN_COLUMNS follow under it. */
export const OPEN_LOG_COLUMNS = ['id', 'client_id', 'record_id', 'kind', 'payload', 'payload_sha256', 'event_date', 'region_code', 'warnings', 'received_at'];
export const CHAIN_LOG_COLUMNS = ['batch_id', 'chain_seq', 'prev_hash', 'row_hash'];
const PAYLOAD_FIELD = OPEN_LOG_COLUMNS.indexOf('payload');

/**
 * A request's records, encoded for the log as far as they can be without the chain. Strings and buffers
 * only, few of them: it crosses from an intake thread to the main thread, and waits there on the
 * database, where every object it held would be copied by each pass of the garbage collector.
 */
export interface PreparedLogRecords {
  recordIds: string[];
  /** The payloads' SHA-256 in hex, one after the other (preparedSha). */
  shas: string;
  /** The message id each record gets if it is accepted, one after the other (preparedId); a duplicate's is not used. */
  ids: string;
  open: OpenRows;
  /** The request's receipt time, ISO 8601. */
  receivedAt: string;
}

const SHA_LENGTH = 64;
const ID_LENGTH = 36;

export function preparedSha(prepared: PreparedLogRecords, i: number): string {
  return prepared.shas.slice(i * SHA_LENGTH, (i + 1) * SHA_LENGTH);
}

export function preparedId(prepared: PreparedLogRecords, i: number): string {
  return prepared.ids.slice(i * ID_LENGTH, (i + 1) * ID_LENGTH);
}

export const GENESIS_HASH = '0'.repeat(64);

/** The chain link: each row's hash covers the previous row's hash of the same client. */
export function chainHash(prevHash: string, clientId: string, seq: bigint | string, recordId: string, receivedAtIso: string, payloadSha256: string): string {
  return sha256Hex(`${prevHash}\n${clientId}\n${seq}\n${recordId}\n${receivedAtIso}\n${payloadSha256}`);
}

/**
 * Prepares a request's records for the log one at a time, as they are validated: each record's objects can
 * then die young, instead of a whole request's parsed records living on until the last is read.
 */
export class LogRowsBuilder {
  private readonly recordIds: string[] = [];
  private readonly shas: string[] = [];
  private readonly ids: string[] = [];
  private readonly open = new OpenRowsBuilder();

  constructor(
    private readonly clientId: string,
    private readonly kind: RecordKind,
    private readonly receivedAt: string,
  ) {}

  get length(): number {
    return this.recordIds.length;
  }

  add(record: RecordToStore): void {
    const sha = sha256Hex(record.payload);
    // Time-ordered (UUIDv7): new ids land at the right edge of the primary key, so a batch dirties a few
    // index pages rather than one per record, as random ids did.
    const id = timeOrderedUuid();
    this.recordIds.push(record.recordId);
    this.shas.push(sha);
    this.ids.push(id);
    this.open.add([
      id, this.clientId, record.recordId, this.kind, record.payload, sha, record.eventDate, record.regionCode,
      record.warnings.length ? JSON.stringify(record.warnings) : null, this.receivedAt,
    ]);
  }

  finish(): PreparedLogRecords {
    return { recordIds: this.recordIds, shas: this.shas.join(''), ids: this.ids.join(''), open: this.open.finish(), receivedAt: this.receivedAt };
  }
}

/** Two payloads hold the same record when they parse to the same JSON, whatever their spacing or escapes. */
export function sameRecordText(a: string, b: string): boolean {
  return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
}

/** Record i's payload, read back from its encoded row (for a refused record, which is rare). */
export function preparedPayload(prepared: PreparedLogRecords, i: number): string {
  return openRowFields(prepared.open, i)[PAYLOAD_FIELD]!;
}
