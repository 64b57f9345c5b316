import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import Ajv2020 from 'ajv/dist/2020';
import type { ValidateFunction } from 'ajv';
import { HUB_CONFIG, HubConfig, schemaRoot } from '@sanxian/contracts';
import { ExchangeError } from '@sanxian/exchange';
import { JobProducer } from '@sanxian/jobs';
import { BulkLoadRepository, EndedBulkLoad, OpenBulkLoad } from '@sanxian/persistence';

/** The answer to a completion: the load it ended, or (none open) the last one the client ended. */
export interface LoadCompletion {
  /** False when no load was open: nothing changed (a repeated call, or the quiet time had ended it). */
  completed: boolean;
  load: EndedBulkLoad | null;
}

/** Why reconciliation waits, and until when it should look again. */
export interface ReconciliationHold {
  until: Date;
  openLoads: OpenBulkLoad[];
  /** Batches of bulk loads (open or ended) the worker has not finished. */
  pendingBatches: number;
}

/** While only a finished load's batches are still being processed: look again this soon (each batch processed also asks for a run). */
const PENDING_RECHECK_MS = 5000;

/**
 * Bulk loads (`?load=initial|history`): a client's deliveries so marked form one load, open until
 * the client declares it complete (POST /v1/exchange/loads/complete) or it has been quiet for
 * BULK_LOAD_QUIET_MS. While any is open, or its batches are still being processed, automatic
 * reconciliation waits: a registry load followed by the agencies' backlog is reconciled once,
 * after both, so nothing is raised and closed again in between.
 */
@Injectable()
export class BulkLoadService {
  private readonly logger = new Logger(BulkLoadService.name);
  private readonly validate: ValidateFunction;

  constructor(
    private readonly loads: BulkLoadRepository,
    private readonly jobs: JobProducer,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {
    const schema = JSON.parse(fs.readFileSync(path.join(schemaRoot(), 'exchange', 'requests', 'load-completion.schema.json'), 'utf8')) as object;
    this.validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
  }

  /** The signed client's declaration that its load is complete; the body is empty or a JSON object (schemas/exchange/requests/load-completion.schema.json). */
  async complete(clientId: string, body: Buffer): Promise<LoadCompletion> {
    const note = this.note(body);
    const ended = await this.loads.end(clientId, this.config.bulkLoadQuietMs);
    if (!ended) return { completed: false, load: (await this.loads.lastEnded(clientId)) ?? null };
    this.logger.log(`bulk load of ${clientId} complete: ${ended.records} records in ${ended.batches} batches${note ? ` (${note})` : ''}`);
    // The reconciliation it waited for; the after-intake job looks again if another load is still open.
    await this.jobs.enqueueReconcileAfterIntake().catch((error: Error) => this.logger.warn(`cannot ask for reconciliation: ${error.message}`));
    return { completed: true, load: ended };
  }

  open(): Promise<OpenBulkLoad[]> {
    return this.loads.open(this.config.bulkLoadQuietMs);
  }

  /** Undefined when reconciliation may run now; otherwise what it waits for and when to look again. */
  async reconciliationHold(now = new Date()): Promise<ReconciliationHold | undefined> {
    const [openLoads, pendingBatches] = await Promise.all([this.open(), this.loads.pendingBatches()]);
    if (openLoads.length === 0 && pendingBatches === 0) return undefined;
    const quietEnds = Math.max(0, ...openLoads.map((l) => l.quietEndsAt.getTime()));
    const until = new Date(openLoads.length > 0 ? quietEnds + 1000 : now.getTime() + PENDING_RECHECK_MS);
    return { until, openLoads, pendingBatches };
  }

  private note(body: Buffer): string | undefined {
    if (body.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw new ExchangeError('invalid-json', 'the body of a load completion is empty or a JSON object');
    }
    if (!this.validate(value)) {
      const issues = (this.validate.errors ?? []).map((e) => `${e.instancePath || '/'}${e.params && 'additionalProperty' in e.params ? `${e.params.additionalProperty}` : ''}: ${e.message}`);
      throw new ExchangeError('invalid-body', issues.join('; '));
    }
    return (value as { note?: string }).note;
  }
}
