import { rmSync } from 'node:fs';
import { TEST_ADMIN_URL, templateDatabaseName } from './test-database';

/** Drops this run's template and any suite database a crashed suite left behind, and the run's key directory. */
export default async function globalTeardown(): Promise<void> {
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  const template = templateDatabaseName();
  const rows = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`, [`${template}_%`, template]);
  for (const row of rows.rows) await admin.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
  await admin.end();
  // The key file of processes started without SECRETS_KEY, if setup made its directory.
  if (process.env.SANXIAN_TEST_KEY_DIR) rmSync(process.env.SANXIAN_TEST_KEY_DIR, { recursive: true, force: true });
}
