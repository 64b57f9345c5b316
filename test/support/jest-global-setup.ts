import { tmpdir } from 'node:os';
import { join } from 'node:path';
// A path, not @sanxian/persistence: Jest's moduleNameMapper does not apply to a global setup.
import { runMigrations } from '../../libs/persistence/src/data-source-options';
import { chromiumExecutable } from './chromium';
import { TEST_ADMIN_URL, templateDatabaseName, urlFor } from './test-database';

/**
 * Migrates one template database per test run; every integration suite clones it
 * (CREATE DATABASE … TEMPLATE), so suites are isolated and can run in parallel.
 */
export default async function globalSetup(): Promise<void> {
  process.env.SANXIAN_TEST_RUN ??= `${process.pid}_${Date.now().toString(36)}`;
  // Processes a test starts without SECRETS_KEY keep their key here, not in the repository's .sanxian/.
  if (!process.env.SECRETS_KEY_FILE) {
    process.env.SANXIAN_TEST_KEY_DIR = join(tmpdir(), `sanxian-test-${process.env.SANXIAN_TEST_RUN}`);
    process.env.SECRETS_KEY_FILE = join(process.env.SANXIAN_TEST_KEY_DIR, 'secrets.key');
  }
  const template = templateDatabaseName();
  const { Client } = await import('pg');
  const admin = new Client({ connectionString: TEST_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${template}"`);
  await admin.end();
  await runMigrations(urlFor(template));
  // Unpacked once here; the suites' workers inherit the path.
  await chromiumExecutable();
}
