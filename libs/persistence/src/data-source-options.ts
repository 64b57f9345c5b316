import { types } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS, migrationsWithKey } from './migrations';

// A calendar date is a day, not an instant: keep `date` columns as 'YYYY-MM-DD' strings.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

/** One place that turns a database URL into TypeORM options: the api, worker and CLI all use it. */
export function dataSourceOptions(databaseUrl: string, extra: { poolSize?: number; applicationName?: string; statementTimeoutMs?: number } = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    // Repositories write SQL of their own (libs/persistence/src/repositories): no entities are mapped.
    entities: [],
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migration',
    synchronize: false,
    migrationsRun: false,
    poolSize: extra.poolSize ?? 10,
    applicationName: extra.applicationName ?? 'sanxian-hub',
    // Fail fast when PostgreSQL is unreachable, so the api can answer 503 instead of hanging.
    connectTimeoutMS: 3000,
    extra: { connectionTimeoutMillis: 3000, ...requestBounds(extra.statementTimeoutMs) },
  };
}

/**
 * How long one statement may take. With a statement timeout (the api: its clients wait for it), PostgreSQL
 * cancels a statement that runs or waits on a lock too long, and the driver gives up on a server that no
 * longer answers at all (a frozen connection) shortly after; acquiring a connection from a busy pool is
 * bounded by connectionTimeoutMillis. Every one of these failures is answered 503 (isDatabaseUnavailable).
 * Without one (worker, CLI: reconciliation may run long), only the driver's generous limit applies.
 */
function requestBounds(statementTimeoutMs: number | undefined): Record<string, number> {
  if (statementTimeoutMs === undefined) return { query_timeout: 120_000 };
  return {
    statement_timeout: statementTimeoutMs,
    lock_timeout: Math.max(100, Math.round(statementTimeoutMs / 3)),
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    query_timeout: statementTimeoutMs + 2000,
  };
}

/** The database's name in a PostgreSQL URL; empty for none. */
function databaseNameOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
}

const quotedName = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Runs statements that create or drop a database: connected to the server's `postgres` database. */
async function onServer<T>(databaseUrl: string, work: (server: DataSource) => Promise<T>): Promise<T> {
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  const ds = new DataSource({ type: 'postgres', url: admin.toString(), connectTimeoutMS: 3000 });
  await ds.initialize();
  try {
    return await work(ds);
  } finally {
    await ds.destroy();
  }
}

/** Creates the database named in the URL when it does not exist yet (a fresh machine has only `postgres`). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const name = databaseNameOf(databaseUrl);
  if (!name) return false;
  return onServer(databaseUrl, async (server) => {
    const rows: unknown[] = await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length) return false;
    await server.query(`CREATE DATABASE ${quotedName(name)}`);
    return true;
  });
}

/**
 * Drops the database named in the URL (ending its sessions) and creates it empty, so that a
 * throwaway database (the demo's) starts every run from nothing.
 */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  const name = databaseNameOf(databaseUrl);
  if (!name || name === 'postgres') throw new Error(`refusing to recreate the database "${name}"`);
  await onServer(databaseUrl, (server) => server.query(`DROP DATABASE IF EXISTS ${quotedName(name)} WITH (FORCE)`));
  await ensureDatabase(databaseUrl);
}

/**
 * Applies pending migrations; returns the names applied. `secretsKey`: the hub's key, for the migrations
 * that rewrite stored rows with it (sealing personal data); a database with such rows refuses to migrate without it.
 */
export async function runMigrations(databaseUrl: string, options: { secretsKey?: Buffer } = {}): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const ds = new DataSource({
    ...dataSourceOptions(databaseUrl, { poolSize: 1, applicationName: 'sanxian-migrate' }),
    migrations: migrationsWithKey(options.secretsKey),
  });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
