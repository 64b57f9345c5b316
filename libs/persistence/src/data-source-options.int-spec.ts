import { Client } from 'pg';
import { TEST_ADMIN_URL, urlFor } from '../../../test/support/test-database';
import { recreateDatabase, runMigrations } from './data-source-options';

/** The database admin the demo uses: its own database, dropped (sessions and all) and created empty. */
describe('recreateDatabase', () => {
  const name = `sanxian_recreate_test_${process.pid}`;
  const url = urlFor(name);
  afterAll(async () => {
    const admin = new Client({ connectionString: TEST_ADMIN_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  async function tables(): Promise<number> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`);
      return rows[0].n;
    } finally {
      await client.end();
    }
  }

  it('creates the database when there is none, and empties it (ending its sessions) when there is one', async () => {
    await recreateDatabase(url);
    expect(await tables()).toBe(0);
    await runMigrations(url);
    expect(await tables()).toBeGreaterThan(0);

    const open = new Client({ connectionString: url });
    await open.connect();
    open.on('error', () => undefined);
    await recreateDatabase(url);
    expect(await tables()).toBe(0);
    await open.end().catch(() => undefined);
  });

  it('refuses the server\'s own postgres database', async () => {
    await expect(recreateDatabase(TEST_ADMIN_URL)).rejects.toThrow(/refusing to recreate the database "postgres"/);
  });
});
