import { Inject, Injectable, Logger } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HUB_CONFIG, HubConfig, KIND_AGENCY, RecordIssue, RecordKind, requestedLoad } from '@sanxian/contracts';
import { IntakeRepository, MessageLogRepository, RejectionRow, isDatabaseUnavailable, preparedPayload } from '@sanxian/persistence';
import { JobProducer } from '@sanxian/jobs';
import { BatchBodyError, ExchangeError, formatForContentType } from '@sanxian/exchange';
import { ClientAuthService, SignedRequest } from './client-auth.service';

/** A client as authentication answers it. */
export type AuthenticatedClient = Awaited<ReturnType<ClientAuthService['authenticate']>>;
import { ExchangeMetrics } from './exchange-metrics';
import { IntakePreparer } from './intake-preparer';
import { type PreparedRequest, type RefusedEntry, rejectedRecordFacts } from './request-preparation';

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
    private readonly preparer: IntakePreparer,
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
    return this.intakeAs(await this.authenticate(req), kind, req);
  }

  /**
   * Intake for a client already authenticated (a verification answer carries its corrected record
   * here): the same checks, log, outbox and queue as any delivery.
   */
  async intakeAs(client: AuthenticatedClient, kind: RecordKind, req: Pick<SignedRequest, 'pathWithQuery' | 'headers' | 'body'>): Promise<IntakeResponse> {
    if (KIND_AGENCY[kind] !== client.agency) {
      throw new ExchangeError('wrong-record-kind', `a ${client.agency} client may not send ${kind} records (they come from ${KIND_AGENCY[kind]})`);
    }
    // The delivery's load (regular, initial, history), kept with its batches so the monitor and timeliness can tell.
    const declared = requestedLoad(req.pathWithQuery, kind);
    if ('problem' in declared) throw new ExchangeError('invalid-load', declared.problem);
    const contentType = req.headers['content-type'];
    const format = formatForContentType(Array.isArray(contentType) ? contentType[0] : contentType);
    if (!format) throw new ExchangeError('unsupported-media-type', 'send application/json, application/x-ndjson or text/csv');
    const receivedAt = this.config.replayReceiptTimes ? client.signedAt : new Date();
    let prepared: PreparedRequest;
    try {
      prepared = await this.preparer.prepare({ kind, format, body: req.body, clientId: client.id, receivedAt: receivedAt.toISOString() });
    } catch (error) {
      if (error instanceof BatchBodyError) {
        const code = error.status === 415 ? 'unsupported-media-type' : error.status === 413 ? 'too-many-records' : (error.code as 'invalid-body' | 'nesting-too-deep' | 'too-many-fields');
        throw new ExchangeError(code, error.message);
      }
      throw error;
    }

    // Processing holds back while a bulk delivery arrives, so that it is acknowledged at full speed.
    if (prepared.entries >= this.config.intakeBurstRecords) {
      void this.jobs.markIntakeBurst(this.config.intakeBurstQuietMs).catch(() => undefined); // Redis down: nothing holds back
    }
    const results: RecordResult[] = new Array(prepared.entries);
    const refused = prepared.refused; // kept for the sender's validity score
    for (const entry of refused) results[entry.index] = { index: entry.index, recordId: entry.recordId, status: 'rejected', errors: entry.errors };

    let batchIds: string[] = [];
    const { validIndexes, log } = prepared;
    if (validIndexes.length) {
      try {
        const stored = await this.log.storeBatch(client.id, kind, log, this.config.intakeBatchSize, declared.load);
        batchIds = stored.batchIds;
        const warnings = new Map(prepared.warnings);
        stored.statuses.forEach((status, i) => {
          const index = validIndexes[i];
          const recordId = log.recordIds[i];
          const messageId = stored.messageId(i);
          if (status === 'record-id-reused') {
            const errors = [{ path: '/recordId', code: 'record-id-reused', message: `recordId ${recordId} was already used for a record with other content (message ${messageId})` }];
            refused.push({ index, recordId, errors, kept: rejectedRecordFacts(JSON.parse(preparedPayload(log, i))) });
            results[index] = { index, recordId, status: 'rejected', errors };
          } else {
            const recordWarnings = status === 'accepted' ? warnings.get(i) : undefined;
            results[index] = { index, recordId, status, messageId, ...(recordWarnings ? { warnings: recordWarnings } : {}) };
          }
        });
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw new ExchangeError('storage-unavailable', 'the database is unreachable; nothing of this request was stored', { 'Retry-After': '5' });
        throw error;
      }
    }

    const response: IntakeResponse = { batchId: batchIds[0] ?? null, accepted: 0, duplicates: 0, rejected: 0, results };
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
    if (response.rejected) void this.keepRejections(client.id, kind, refused, receivedAt);
    return response;
  }

  /** Best effort, after answering: refused records are kept only to score the sender's data validity. */
  private async keepRejections(clientId: string, kind: RecordKind, refused: RefusedEntry[], receivedAt: Date): Promise<void> {
    const rows: RejectionRow[] = refused.map((entry) => ({
      recordId: entry.recordId,
      stationCode: entry.kept?.stationCode ?? null,
      eventDate: entry.kept?.eventDate ?? null,
      errors: entry.errors,
    }));
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
