import { join } from 'node:path';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Piscina } from 'piscina';
import { HUB_CONFIG, HubConfig, RecordValidator, findUp } from '@sanxian/contracts';
import { BatchBodyError } from './batch-body';
import type { ThreadAnswer } from './intake-thread';
import { type IntakeRequest, type PreparedRequest, prepareRequest } from './request-preparation';

/**
 * Prepares intake requests (parse, validate, encode: prepareRequest) in a pool of threads, so that the
 * api's main thread only moves bytes between the network and the database. With INTAKE_THREADS=0 it
 * prepares them inline. The pool starts on the first request: the worker process, which also loads the
 * exchange module, never starts one.
 */
@Injectable()
export class IntakePreparer implements OnModuleDestroy {
  private pool?: Piscina<IntakeRequest, ThreadAnswer>;

  constructor(
    private readonly validator: RecordValidator,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  async prepare(request: IntakeRequest): Promise<PreparedRequest> {
    const threads = this.config.intakeThreads;
    if (threads === 0) return prepareRequest(this.validator, request);
    this.pool ??= new Piscina<IntakeRequest, ThreadAnswer>({
      filename: findUp(join('bin', 'intake-thread.js')),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Infinity,
    });
    const answer = await this.pool.run(request);
    if ('bodyError' in answer) throw new BatchBodyError(answer.bodyError.status, answer.bodyError.code, answer.bodyError.message);
    const { text, ends } = answer.prepared.log.open;
    // Moved across threads, a Buffer arrives as a plain Uint8Array.
    answer.prepared.log.open = { text: Buffer.from(text.buffer, text.byteOffset, text.byteLength), ends };
    return answer.prepared;
  }

  async onModuleDestroy(): Promise<void> {
    await this.pool?.destroy();
  }
}
