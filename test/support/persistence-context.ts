import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import { Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Agency, HubConfig, HubConfigModule, loadConfig } from '@sanxian/contracts';
import { ClientRepository, DatabaseProcess, PersistenceModule } from '@sanxian/persistence';
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
export async function startPersistence(options: { env?: Record<string, string>; imports?: Type<unknown>[]; process?: DatabaseProcess } = {}): Promise<PersistenceContext> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test', DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: uniqueQueuePrefix(), LOG_LEVEL: 'error',
    SECRETS_KEY: randomBytes(32).toString('base64'), ...options.env,
  });
  const app = await NestFactory.createApplicationContext(
    { module: PersistenceTestModule, imports: [HubConfigModule.forRoot(config), PersistenceModule.forRoot({ applicationName: 'sanxian-test', poolSize: 4, process: options.process }), ...(options.imports ?? [])] },
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

/** A persistence context that a describe block starts once; its exchange clients' ids are filled in before the specs run. */
export interface PersistenceSuite<Name extends string> extends PersistenceContext {
  clients: Record<Name, string>;
}

/**
 * Registers beforeAll/afterAll that start a persistence context (as startPersistence) and create
 * the named exchange clients (name → agency); call it once in a describe body, before its own beforeAll.
 */
export function persistenceSuite<Name extends string = never>(
  options: { env?: Record<string, string>; imports?: Type<unknown>[]; clients?: Record<Name, Agency> } = {},
): PersistenceSuite<Name> {
  let ctx: PersistenceContext | undefined;
  const started = () => {
    if (!ctx) throw new Error('persistenceSuite: the context is not started yet (use it inside beforeAll or a test)');
    return ctx;
  };
  const clients = {} as Record<Name, string>;
  beforeAll(async () => {
    ctx = await startPersistence({ env: options.env, imports: options.imports });
    for (const [name, agency] of Object.entries<Agency>(options.clients ?? ({} as Record<Name, Agency>))) {
      clients[name as Name] = (await ctx.get(ClientRepository).create(agency, name)).clientId;
    }
  });
  afterAll(() => ctx?.close());
  return {
    clients,
    get db() { return started().db; },
    get config() { return started().config; },
    get: (type) => started().get(type),
    sql: (query, params) => started().sql(query, params),
    close: () => started().close(),
  };
}
