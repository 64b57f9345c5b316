import { randomBytes } from 'node:crypto';
import { Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfig, HubConfigModule, loadConfig } from '@sanxian/contracts';
import { PersistenceModule } from '@sanxian/persistence';
import { DataSource } from 'typeorm';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase, uniqueQueuePrefix } from './test-database';

/** The repositories of libs/persistence on a database of the suite's own: no api, no worker, no Redis. */
export interface PersistenceContext {
  db: TestDatabase;
  config: HubConfig;
  get<T>(type: Type<T>): T;
  sql<T = any>(query: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

@Module({})
class PersistenceTestModule {}

/** Starts a Nest context with the real PersistenceModule (and any extra modules, e.g. a feature's) on a fresh, migrated database. */
export async function startPersistence(options: { env?: Record<string, string>; imports?: Type<unknown>[] } = {}): Promise<PersistenceContext> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test', DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueQueuePrefix(), LOG_LEVEL: 'error',
    SECRETS_KEY: randomBytes(32).toString('base64'), ...options.env,
  });
  const app = await NestFactory.createApplicationContext(
    { module: PersistenceTestModule, imports: [HubConfigModule.forRoot(config), PersistenceModule.forRoot({ applicationName: 'sanxian-test', poolSize: 4 }), ...(options.imports ?? [])] },
    { logger: false, abortOnError: false },
  );
  const dataSource = app.get(DataSource);
  return {
    db,
    config,
    get: (type) => app.get(type),
    sql: (query, params) => dataSource.query(query, params),
    async close() {
      await app.close();
      await db.drop();
    },
  };
}
