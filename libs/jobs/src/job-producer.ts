import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { FlowProducer, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { JOB_QUEUE, JobName, JobPayloads, QueueName, afterIntakeJob, intakeJobId, runPartJobId } from './job-registry';
import { redisOptions } from './redis-connection';

/** Typed enqueue for every job; fails fast (never hangs) when Redis is unreachable. */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly logger = new Logger(JobProducer.name);
  private readonly queues = new Map<QueueName, Queue>();
  private flows: FlowProducer | undefined;

  constructor(@Inject(HUB_CONFIG) private readonly config: HubConfig) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: redisOptions(this.config.redisUrl, 'producer'), prefix: this.config.queuePrefix });
      queue.on('error', (error) => this.logger.warn(`queue ${name}: ${error.message}`));
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: JobsOptions = {}): Promise<void> {
    await withTimeout(this.queue(JOB_QUEUE[name]).add(name, payload, options), 3000, `enqueue ${name}`);
  }

  /** Hands committed batches to the intake queue; the attempts and backoff are the retry policy. */
  async enqueueIntake(batchIds: string[]): Promise<void> {
    if (!batchIds.length) return;
    const queue = this.queue(QueueName.Intake);
    await withTimeout(
      queue.addBulk(
        batchIds.map((batchId) => ({
          name: JobName.IntakeBatch,
          data: { batchId },
          opts: {
            jobId: intakeJobId(batchId),
            attempts: this.config.intakeAttempts,
            backoff: { type: 'exponential', delay: this.config.intakeBackoffMs },
            removeOnComplete: { age: 3600, count: 10000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      ),
      5000,
      'enqueue intake',
    );
  }

  /** Asks for a reconciliation once the current quiet window after intake ends (see afterIntakeJob). */
  async enqueueReconcileAfterIntake(): Promise<void> {
    const { jobId, delay } = afterIntakeJob(Date.now(), this.config.reconcileAfterIntakeDelayMs);
    await this.enqueue(JobName.ReconcileRun, { trigger: 'intake' }, { jobId, delay, ...RECONCILE_RETENTION });
  }

  /**
   * Puts a reconciliation off until `until` (a bulk load is open): a job of its own, one per second of
   * `until`, since the job that puts itself off is still active and its id cannot be reused.
   */
  async enqueueReconcileAt(payload: JobPayloads[JobName.ReconcileRun], until: Date): Promise<void> {
    const at = Math.ceil(until.getTime() / 1000) * 1000;
    await this.enqueue(JobName.ReconcileRun, payload, { jobId: `reconcile-after-bulk-load-${payload.trigger}-${at}`, delay: Math.max(0, at - Date.now()), ...RECONCILE_RETENTION });
  }

  /** Starts a reconciliation now; its job id, to follow it. */
  async enqueueReconcile(payload: JobPayloads[JobName.ReconcileRun]): Promise<string> {
    const job = await withTimeout(
      this.queue(QueueName.Reconcile).add(JobName.ReconcileRun, payload, { attempts: 3, backoff: { type: 'exponential', delay: 5000 }, ...RECONCILE_RETENTION }),
      3000,
      'enqueue reconcile',
    );
    return job.id!;
  }

  /**
   * Hands a planned full run in parts to the workers: a BullMQ flow of one link job a township under
   * a parent that, once they are all done, starts the decide jobs (decideRunInParts). Ids are
   * fixed by run, phase and township, so a flow added twice adds nothing.
   */
  async linkRunInParts(runId: string, townships: readonly string[]): Promise<void> {
    await this.addPartsFlow(runId, 'link', JobName.ReconcilePartsLinked, JobName.ReconcileLinkPart, townships);
  }

  /** The decide phase of a run in parts: one job a township, under a parent that ends the run once they are all done. */
  async decideRunInParts(runId: string, townships: readonly string[]): Promise<void> {
    await this.addPartsFlow(runId, 'decide', JobName.ReconcilePartsDecided, JobName.ReconcileDecidePart, townships);
  }

  private async addPartsFlow(
    runId: string, phase: 'link' | 'decide', parent: JobName.ReconcilePartsLinked | JobName.ReconcilePartsDecided,
    child: JobName.ReconcileLinkPart | JobName.ReconcileDecidePart, townships: readonly string[],
  ): Promise<void> {
    const queueName = QueueName.ReconcileParts;
    const parentId = runPartJobId(runId, phase);
    // A parent retried after adding its flow: the flow is there already.
    if (await withTimeout(this.queue(queueName).getJob(parentId), 3000, 'get job')) return;
    const retry = { attempts: this.config.reconcileParts.attempts, backoff: { type: 'exponential', delay: 2000 }, ...RECONCILE_RETENTION };
    this.flows ??= new FlowProducer({ connection: redisOptions(this.config.redisUrl, 'producer'), prefix: this.config.queuePrefix });
    await withTimeout(
      this.flows.add({
        name: parent, queueName, data: { runId }, opts: { jobId: parentId, ...retry },
        children: townships.map((townshipCode) => ({
          name: child, queueName, data: { runId, townshipCode },
          // A part that fails for good fails its parent: the run is marked failed by the part's worker.
          opts: { jobId: runPartJobId(runId, phase, townshipCode), failParentOnFailure: true, ...retry },
        })),
      }),
      10_000,
      `enqueue the ${phase} parts of run ${runId}`,
    );
  }

  /** Whether a batch's job is still known to Redis (waiting, active, delayed or failed). */
  async intakeJobState(batchId: string): Promise<string> {
    const job = await withTimeout(this.queue(QueueName.Intake).getJob(intakeJobId(batchId)), 3000, 'get job');
    if (!job) return 'missing';
    return withTimeout(job.getState(), 3000, 'job state');
  }

  async depths(): Promise<Record<string, Record<string, number>>> {
    const result: Record<string, Record<string, number>> = {};
    for (const name of Object.values(QueueName)) {
      result[name] = await withTimeout(this.queue(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'prioritized'), 2000, 'queue depth');
    }
    return result;
  }

  /**
   * Says that a bulk delivery is arriving: processing holds back for `quietMs` after the last such request
   * (see intakeBurstRemainingMs). One key with a time to live, written without waiting for the answer.
   */
  async markIntakeBurst(quietMs: number): Promise<void> {
    const client = await this.redis();
    await withTimeout(client.set(this.burstKey(), '1', 'PX', quietMs), 2000, 'mark intake burst');
  }

  /** How long the current bulk delivery's quiet window still runs, in ms; 0 when none is arriving. */
  async intakeBurstRemainingMs(): Promise<number> {
    const client = await this.redis();
    return Math.max(0, await withTimeout(client.pttl(this.burstKey()), 2000, 'intake burst'));
  }

  /** The intake queue's own connection (ioredis, as BullMQ's Redis backend is). */
  private async redis(): Promise<Redis> {
    return (await withTimeout(this.queue(QueueName.Intake).getBackend().client, 2000, 'redis client')) as unknown as Redis;
  }

  private burstKey(): string {
    return `${this.config.queuePrefix}:intake-burst`;
  }

  async ping(): Promise<void> {
    await withTimeout(this.queue(QueueName.Intake).getJobCounts('waiting'), 2000, 'redis ping');
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values(), ...(this.flows ? [this.flows] : [])].map((q) => q.close().catch(() => undefined)));
  }
}

const RECONCILE_RETENTION = { removeOnComplete: { age: 7 * 24 * 3600, count: 1000 }, removeOnFail: { age: 30 * 24 * 3600 } };

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  // Once the timeout has won, a late rejection must not go unhandled (Node would exit).
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
