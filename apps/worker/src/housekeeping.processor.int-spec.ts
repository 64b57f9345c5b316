import { randomBytes, randomUUID } from 'node:crypto';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { BullModule, getQueueToken } from '@nestjs/bullmq';
import { Queue, QueueEvents } from 'bullmq';
import { DataSource } from 'typeorm';
import { HubConfig, HubConfigModule, loadConfig } from '@sanxian/contracts';
import { JobName, NIGHTLY_REVOCATION_PRUNING, QueueName, redisOptions } from '@sanxian/jobs';
import { PersistenceModule, StaffRepository } from '@sanxian/persistence';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase, uniqueQueuePrefix } from '../../../test/support/test-database';
import { HousekeepingProcessor } from './housekeeping.processor';

jest.setTimeout(60_000);

@Module({})
class HousekeepingTestModule {}

/**
 * The worker's housekeeping queue on the real Redis and PostgreSQL: a nightly job scheduler, and
 * its job deleting the sign-outs of tokens that have expired anyway (those of live tokens stay).
 */
describe('HousekeepingProcessor: expired token revocations are deleted by a nightly job', () => {
  let db: TestDatabase;
  let config: HubConfig;
  let app: INestApplicationContext;
  let staff: StaffRepository;
  let queue: Queue;
  let events: QueueEvents;

  beforeAll(async () => {
    db = await createTestDatabase();
    config = loadConfig({
      NODE_ENV: 'test', DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueQueuePrefix(), LOG_LEVEL: 'error',
      SECRETS_KEY: randomBytes(32).toString('base64'), REVOCATION_PRUNE_CRON: '15 4 * * *',
    });
    app = await NestFactory.createApplicationContext(
      {
        module: HousekeepingTestModule,
        imports: [
          HubConfigModule.forRoot(config),
          PersistenceModule.forRoot({ applicationName: 'sanxian-test', poolSize: 4, process: 'worker' }),
          BullModule.forRoot({ connection: redisOptions(config.redisUrl, 'worker'), prefix: config.queuePrefix }),
          BullModule.registerQueue({ name: QueueName.Housekeeping }),
        ],
        providers: [HousekeepingProcessor],
      },
      { logger: false, abortOnError: false },
    );
    await app.init();
    staff = app.get(StaffRepository);
    queue = app.get<Queue>(getQueueToken(QueueName.Housekeeping));
    events = new QueueEvents(QueueName.Housekeeping, { connection: redisOptions(config.redisUrl, 'worker'), prefix: config.queuePrefix });
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await events?.close();
    await app?.close();
    await db?.drop();
  });

  it('keeps a nightly job scheduler for it in Redis, at the configured time in China\'s time zone', async () => {
    const scheduler = await queue.getJobScheduler(NIGHTLY_REVOCATION_PRUNING);
    expect(scheduler).toMatchObject({ pattern: '15 4 * * *', tz: 'Asia/Shanghai', name: JobName.PruneRevocations });
  });

  it('deletes the sign-outs of expired tokens and keeps those of live ones, which stay refused', async () => {
    const user = await staff.create('chen.county', 'pw-pw-pw-pw', 'county', null);
    const live = randomUUID();
    const expiredLongAgo = randomUUID();
    const justExpired = randomUUID();
    await staff.revokeToken(live, user.id, new Date(Date.now() + 15 * 60_000));
    await staff.revokeToken(expiredLongAgo, user.id, new Date(Date.now() - 2 * 86_400_000));
    // Expired a minute ago: kept a little longer, for api hosts whose clocks run behind.
    await staff.revokeToken(justExpired, user.id, new Date(Date.now() - 60_000));

    const job = await queue.add(JobName.PruneRevocations, {});
    expect(await job.waitUntilFinished(events, 30_000)).toEqual({ revocationsDeleted: 1 });

    const kept: { jti: string }[] = await app.get(DataSource).query(`SELECT jti FROM staff_token_revocation`);
    expect(kept.map((r) => r.jti).sort()).toEqual([live, justExpired].sort());
    expect(await staff.findTokenHolder(user.id, live, 0)).toBeUndefined();
    expect(await staff.findTokenHolder(user.id, randomUUID(), 0)).toMatchObject({ id: user.id });

    // A second run finds nothing more to delete.
    const again = await queue.add(JobName.PruneRevocations, {});
    expect(await again.waitUntilFinished(events, 30_000)).toEqual({ revocationsDeleted: 0 });
  });
});
