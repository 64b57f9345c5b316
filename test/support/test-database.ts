import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The PostgreSQL server the tests use; its `postgres` database is the maintenance connection. */
export const TEST_PG_BASE = process.env.TEST_PG_BASE ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_ADMIN_URL = `${TEST_PG_BASE}/postgres`;
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function urlFor(database: string): string {
  return `${TEST_PG_BASE}/${database}`;
}

/** One template per jest run: global setup names it in SANXIAN_TEST_RUN, which the workers inherit. */
export function templateDatabaseName(): string {
  const run = process.env.SANXIAN_TEST_RUN;
  if (!run) throw new Error('SANXIAN_TEST_RUN is unset: integration suites need jest-global-setup');
  return `sanxian_tpl_${run}`;
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${templateDatabaseName()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabaseName()}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: urlFor(name),
    drop: async () => {
      const c = new Client({ connectionString: TEST_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export function uniqueQueuePrefix(): string {
  return `{sxtest-${randomBytes(4).toString('hex')}}`;
}
