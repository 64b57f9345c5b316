import type { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';

/**
 * Keeps a nightly job scheduler in Redis (China's time zone); upserting it on every start changes
 * nothing. Redis down at start is not fatal: the schedule is set on the next start.
 */
export async function keepNightlySchedule(
  queue: Queue,
  schedulerId: string,
  cron: string,
  job: { name: string; data: object },
  logger: Logger,
): Promise<void> {
  try {
    await queue.upsertJobScheduler(
      schedulerId,
      { pattern: cron, tz: 'Asia/Shanghai' },
      { ...job, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } },
    );
  } catch (error) {
    logger.warn(`cannot set the schedule ${schedulerId}: ${(error as Error).message}`);
  }
}

/**
 * Keeps a job scheduler that runs every `everyMs` (one job per interval however many workers run), or
 * removes it when `everyMs` is 0. Redis down at start is not fatal, as above.
 */
export async function keepIntervalSchedule(queue: Queue, schedulerId: string, everyMs: number, job: { name: string; data: object }, logger: Logger): Promise<void> {
  try {
    if (everyMs > 0) await queue.upsertJobScheduler(schedulerId, { every: everyMs }, { ...job, opts: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } });
    else await queue.removeJobScheduler(schedulerId);
  } catch (error) {
    logger.warn(`cannot set the schedule ${schedulerId}: ${(error as Error).message}`);
  }
}
