import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HUB_CONFIG, HubConfig, KIND_AGENCY, RecordIssue, RecordKind, RecordValidator } from '@sanxian/contracts';
import { IntakeRepository, MessageLogRepository, RecordToStore, RejectionRow, isDatabaseUnavailable } from '@sanxian/persistence';
import { JobProducer } from '@sanxian/jobs';
import { BatchBodyError, formatForContentType, parseBatchBody, type ParsedEntry } from './batch-body';
import { ClientAuthService, SignedRequest } from './client-auth.service';
import { ExchangeError } from './exchange-error';
import { ExchangeMetrics } from './exchange-metrics';

export type RecordResult =
  | { index: number; recordId: string | null; status: 'accepted' | 'duplicate'; messageId: string; warnings?: RecordIssue[] }
  | { index: number; recordId: string | null; status: 'rejected'; errors: RecordIssue[] };

export interface IntakeResponse {
  batchId: string | null;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: RecordResult[];
}

function recordIdOf(record: unknown): string | null {
  const id = (record as { recordId?: unknown } | null)?.recordId;
  return typeof id === 'string' ? id : id === undefined || id === null ? null : String(id);
}

/**
 * The intake use-case: authenticate, check the kind, parse, validate each record, store the
 * valid ones with their outbox batches in one transaction, answer — then hand the batches to
 * the queue. A 202 is only ever sent after the commit.
 */
@Injectable()
export class IntakeService {
  private readonly logger = new Logger(IntakeService.name);
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly auth: ClientAuthService,
    private readonly validator: RecordValidator,
    private readonly log: MessageLogRepository,
    private readonly outbox: IntakeRepository,
    private readonly jobs: JobProducer,
    private readonly metrics: ExchangeMetrics,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    this.limiter = new RateLimiterMemory({ points: config.rateLimitRequestsPerSecond, duration: 1 });
  }

  async authenticate(req: SignedRequest) {
    const client = await this.auth.authenticate(req);
    await this.limit(client.id);
    return client;
  }

  async intake(kind: RecordKind, req: SignedRequest): Promise<IntakeResponse> {
    const client = await this.authenticate(req);
    if (KIND_AGENCY[kind] !== client.agency) {
      throw new ExchangeError('wrong-record-kind', `a ${client.agency} client may not send ${kind} records (they come from ${KIND_AGENCY[kind]})`);
    }
    const contentType = req.headers['content-type'];
    const format = formatForContentType(Array.isArray(contentType) ? contentType[0] : contentType);
    if (!format) throw new ExchangeError('unsupported-media-type', 'send application/json, application/x-ndjson or text/csv');
    let entries: ParsedEntry[] | undefined;
    try {
      entries = parseBatchBody(format, req.body);
    } catch (error) {
      if (error instanceof BatchBodyError) {
        const code = error.status === 415 ? 'unsupported-media-type' : error.status === 413 ? 'too-many-records' : (error.code as 'invalid-body');
        throw new ExchangeError(code, error.message);
      }
      throw error;
    }

    const results: (RecordResult | undefined)[] = new Array(entries.length);
    const toStore: RecordToStore[] = [];
    const storedIndex: number[] = [];
    const refused: ParsedEntry[] = []; // kept for the sender's validity score; valid records keep only their text
    for (const entry of entries) {
      if ('error' in entry) {
        results[entry.index] = { index: entry.index, recordId: entry.recordId ?? null, status: 'rejected', errors: [entry.error] };
        refused.push(entry);
        continue;
      }
      const check = this.validator.check(kind, entry.record, { coerce: format === 'csv' });
      const recordId = recordIdOf(entry.record);
      if (check.errors.length) {
        results[entry.index] = { index: entry.index, recordId, status: 'rejected', errors: check.errors };
        refused.push(entry);
        continue;
      }
      const record = entry.record as { recordId: string; eventDate: string; regionCode: string };
      toStore.push({ recordId: record.recordId, payload: Buffer.from(JSON.stringify(record)), eventDate: record.eventDate, regionCode: record.regionCode, warnings: check.warnings });
      storedIndex.push(entry.index);
    }
    // The parsed records are let go before waiting on the database: held across the wait, a batch's
    // objects outlived the young generation and made the garbage collector copy them all.
    entries = undefined;

    let batchIds: string[] = [];
    if (toStore.length) {
      try {
        const receivedAt = this.config.replayReceiptTimes ? client.signedAt : new Date();
        const stored = await this.log.storeBatch(client.id, kind, toStore, this.config.intakeBatchSize, receivedAt);
        batchIds = stored.batchIds;
        stored.outcomes.forEach((outcome, i) => {
          const index = storedIndex[i];
          const recordId = toStore[i].recordId;
          if (outcome.status === 'record-id-reused') {
            refused.push({ index, record: JSON.parse(toStore[i].payload.toString('utf8')) });
            results[index] = {
              index, recordId, status: 'rejected',
              errors: [{ path: '/recordId', code: 'record-id-reused', message: `recordId ${recordId} was already used for a record with other content (message ${outcome.messageId})` }],
            };
          } else {
            const warnings = outcome.status === 'accepted' ? toStore[i].warnings : [];
            results[index] = { index, recordId, status: outcome.status, messageId: outcome.messageId, ...(warnings.length ? { warnings } : {}) };
          }
        });
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw new ExchangeError('storage-unavailable', 'the database is unreachable; nothing of this request was stored', { 'Retry-After': '5' });
        throw error;
      }
    }

    const response: IntakeResponse = { batchId: batchIds[0] ?? null, accepted: 0, duplicates: 0, rejected: 0, results: results as RecordResult[] };
    for (const result of response.results) {
      if (result.status === 'accepted') response.accepted++;
      else if (result.status === 'duplicate') response.duplicates++;
      else response.rejected++;
    }
    this.metrics.records.inc({ client: client.id, kind, outcome: 'accepted' }, response.accepted);
    this.metrics.records.inc({ client: client.id, kind, outcome: 'duplicate' }, response.duplicates);
    this.metrics.records.inc({ client: client.id, kind, outcome: 'rejected' }, response.rejected);
    // Committed already: the queue is only a nudge. If Redis is down the relay delivers later.
    if (batchIds.length) void this.handOff(batchIds);
    if (response.rejected) void this.keepRejections(client.id, kind, refused, response.results, this.config.replayReceiptTimes ? client.signedAt : new Date());
    return response;
  }

  /** Best effort, after answering: refused records are kept only to score the sender's data validity. */
  private async keepRejections(clientId: string, kind: RecordKind, entries: ParsedEntry[], results: RecordResult[], receivedAt: Date): Promise<void> {
    const rows: RejectionRow[] = [];
    const byIndex = new Map(entries.map((entry) => [entry.index, entry]));
    for (const result of results) {
      if (result.status !== 'rejected') continue;
      const entry = byIndex.get(result.index);
      const record = entry && 'record' in entry && typeof entry.record === 'object' && entry.record !== null ? (entry.record as Record<string, any>) : {};
      const station = record.policeStation?.code ?? record.facility?.code ?? record.registrationOffice?.code;
      const eventDate = typeof record.eventDate === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(record.eventDate) && !Number.isNaN(Date.parse(record.eventDate)) ? record.eventDate : null;
      rows.push({ recordId: result.recordId, stationCode: typeof station === 'string' ? station : null, eventDate, errors: result.errors });
    }
    await this.log.recordRejections(clientId, kind, rows, receivedAt).catch((error: Error) => this.logger.warn(`cannot keep ${rows.length} rejection(s): ${error.message}`));
  }

  private async handOff(batchIds: string[]): Promise<void> {
    try {
      await this.jobs.enqueueIntake(batchIds);
      await this.outbox.markEnqueued(batchIds);
    } catch (error) {
      this.logger.warn(`batches ${batchIds.join(',')} left for the relay: ${(error as Error).message}`);
    }
  }

  private async limit(clientId: string): Promise<void> {
    try {
      await this.limiter.consume(clientId);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        throw new ExchangeError('rate-limited', `at most ${this.config.rateLimitRequestsPerSecond} requests a second per client`, {
          'Retry-After': String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))),
        });
      }
      throw error;
    }
  }
}
