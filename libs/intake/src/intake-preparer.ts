import { join } from 'node:path';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import { HUB_CONFIG, HubConfig, RecordValidator, findUp } from '@sanxian/contracts';
import { BatchBodyError, ExchangeError } from '@sanxian/exchange';
import type { ThreadAnswer } from './intake-thread';
import { type IntakeRequest, type PreparedRequest, prepareRequest } from './request-preparation';

/** Requests failed in the threads in a row, with none prepared between, after which intake is not ready. */
const FAILURES_UNHEALTHY = 3;

/** Whether intake threads make progress, for /health/ready. */
export interface IntakeProgress {
  ok: boolean;
  /** Requests handed to the threads and not answered yet. */
  inFlight: number;
  /** Since when no request has been answered while some waited, ms; 0 when none waits. */
  stalledMs: number;
  message?: string;
}

/**
 * Prepares intake requests (parse, validate, encode: prepareRequest) in a pool of threads, so that the
 * api's main thread only moves bytes between the network and the database. With INTAKE_THREADS=0 it
 * prepares them inline. The pool starts on the first request: the worker process, which also loads the
 * exchange module, never starts one.
 *
 * A watchdog keeps one request from stalling the others: a request still not prepared after
 * INTAKE_TASK_TIMEOUT_MS is aborted (piscina ends its thread and starts a fresh one) and answered 503
 * with Retry-After (so is a request whose thread died or could not start); a request whose content makes
 * preparing it throw is answered 422, and the others go on.
 */
@Injectable()
export class IntakePreparer implements OnModuleDestroy {
  private readonly logger = new Logger(IntakePreparer.name);
  private pool?: Piscina<IntakeRequest, ThreadAnswer>;
  private inFlight = 0;
  /** When a request was last answered, or the first one handed over after the threads were idle. */
  private lastProgressAt = Date.now();
  /** Requests the threads failed (ended or crashed) since the last one they prepared. */
  private failuresInARow = 0;

  constructor(
    private readonly validator: RecordValidator,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async prepare(request: IntakeRequest): Promise<PreparedRequest> {
    const threads = this.config.intakeThreads;
    if (threads === 0) {
      try {
        return prepareRequest(this.validator, request);
      } catch (error) {
        if (error instanceof BatchBodyError) throw error;
        throw this.bodyFailure(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }
    this.pool ??= new Piscina<IntakeRequest, ThreadAnswer>({
      filename: findUp(join('bin', 'intake-thread.js')),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
    });
    if (this.inFlight === 0) this.lastProgressAt = Date.now();
    this.inFlight++;
    let answer: ThreadAnswer;
    try {
      answer = await this.pool.run(request, { signal: AbortSignal.timeout(this.config.intakeTaskTimeoutMs) });
      this.failuresInARow = 0;
    } catch (error) {
      this.failuresInARow++;
      throw this.taskFailure(error as Error);
    } finally {
      this.inFlight--;
      this.lastProgressAt = Date.now();
    }
    if ('bodyError' in answer) throw new BatchBodyError(answer.bodyError.status, answer.bodyError.code, answer.bodyError.message);
    if ('failure' in answer) throw this.bodyFailure(answer.failure);
    const { text, ends } = answer.prepared.log.open;
    // Moved across threads, a Buffer arrives as a plain Uint8Array.
    answer.prepared.log.open = { text: Buffer.from(text.buffer, text.byteOffset, text.byteLength), ends };
    return answer.prepared;
  }

  /**
   * Healthy unless requests wait and none has been answered for twice the watchdog's limit (it should have
   * ended them), or the last FAILURES_UNHEALTHY requests all failed in the threads (ended, or a thread that
   * cannot start).
   */
  progress(): IntakeProgress {
    const stalledMs = this.inFlight > 0 ? Date.now() - this.lastProgressAt : 0;
    const stalled = stalledMs > 2 * this.config.intakeTaskTimeoutMs;
    const failing = this.failuresInARow >= FAILURES_UNHEALTHY;
    const message = stalled
      ? `${this.inFlight} intake request(s) waiting; none answered for ${stalledMs} ms`
      : failing
        ? `the last ${this.failuresInARow} intake requests failed in the intake threads`
        : undefined;
    return { ok: message === undefined, inFlight: this.inFlight, stalledMs, ...(message ? { message } : {}) };
  }

  /** The body's own content made preparing it throw: the sender's to fix, and nothing else is affected. */
  private bodyFailure(failure: string): ExchangeError {
    this.logger.warn(`an intake request could not be prepared: ${failure}`);
    return new ExchangeError('body-unprocessable', `the body could not be read as a batch (${failure.slice(0, 200)}); nothing of it was stored`);
  }

  /** The pool's own failure (the task was ended by the watchdog, or its thread died or could not start): not the sender's. */
  private taskFailure(error: Error): ExchangeError {
    const ended = error.name === 'AbortError' || error.name === 'TimeoutError' || /aborted/i.test(error.message);
    this.logger.warn(ended ? `an intake request was not prepared within ${this.config.intakeTaskTimeoutMs} ms; its thread was ended` : `intake thread failure: ${error.message}`);
    const detail = ended ? `the request was not prepared within ${this.config.intakeTaskTimeoutMs / 1000} s` : 'the intake threads failed';
    return new ExchangeError('intake-unavailable', `${detail}; nothing of it was stored, send it again later`, { 'Retry-After': '5' });
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
