import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { keepNightlySchedule } from './nightly-schedule';

/** What a nightly queue's processor schedules: its scheduler id, cron and job, and the worker's name in the logs. */
export interface NightlyJob {
  workerName: string;
  schedulerId: string;
  cron: string;
  job: { name: string; data: object };
}

/** A processor whose queue also runs one job nightly: the schedule is kept at start-up, and worker errors are logged. */
export abstract class NightlyJobProcessor extends WorkerHost implements OnApplicationBootstrap {
  protected readonly logger = new Logger(this.constructor.name);

  protected constructor(
    private readonly queue: Queue,
    private readonly nightly: NightlyJob,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const { schedulerId, cron, job } = this.nightly;
    await keepNightlySchedule(this.queue, schedulerId, cron, job, this.logger);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn(`${this.nightly.workerName} worker: ${error.message}`);
  }
}
