import { Client } from 'pg';
import { PersistenceContext, startPersistence } from '../../../test/support/persistence-context';
import { expectSecondRunWaitsForFirst } from '../../../test/support/serialised-runs';
import { isDatabaseUnavailable } from './database-errors';
import { ReconciliationRepository } from './repositories/reconciliation.repository';

jest.setTimeout(60_000);

/**
 * The worker and the CLI bound their statements as the api does, each with a timeout of its own
 * (WORKER_STATEMENT_TIMEOUT_MS, CLI_STATEMENT_TIMEOUT_MS): a statement that runs too long, or waits
 * too long on a lock someone holds, ends with PostgreSQL's error instead of hanging.
 */
describe.each([
  ['worker', 'WORKER_STATEMENT_TIMEOUT_MS', 1500],
  ['cli', 'CLI_STATEMENT_TIMEOUT_MS', 2400],
] as const)('the %s’s statement and lock timeouts', (process, variable, timeoutMs) => {
  let ctx: PersistenceContext;
  let holder: Client;

  beforeAll(async () => {
    // The other process's variables are set far apart, so that only the right one can explain what is seen.
    ctx = await startPersistence({ process, env: { WORKER_STATEMENT_TIMEOUT_MS: '3000000', CLI_STATEMENT_TIMEOUT_MS: '3000000', [variable]: String(timeoutMs) } });
    holder = new Client({ connectionString: ctx.db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await ctx?.close();
  });

  it('sets the configured statement timeout on every connection, and a third of it for lock waits', async () => {
    const [row] = await ctx.sql(`SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock`);
    expect(row).toEqual({ statement: `${timeoutMs}ms`, lock: `${Math.round(timeoutMs / 3)}ms` });
  });

  it('cancels a statement that runs longer than the timeout (57014), an error the hub treats as "retry later"', async () => {
    const error = await ctx.sql(`SELECT pg_sleep(30)`).then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: '57014', message: expect.stringMatching(/statement timeout/) });
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('ends a wait on a lock another session holds (55P03) instead of waiting for it', async () => {
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE exchange_client IN ACCESS EXCLUSIVE MODE');
    try {
      const error = await ctx.sql(`SELECT count(*) FROM exchange_client`).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ code: '55P03', message: expect.stringMatching(/lock timeout/) });
      expect(isDatabaseUnavailable(error)).toBe(true);
    } finally {
      await holder.query('ROLLBACK');
    }
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM exchange_client`)).toEqual([{ n: 0 }]);
  });

  it('still lets one reconciliation wait for another that runs longer than any one statement may', async () => {
    // Longer than the statement timeout: a wait inside one statement would have been cancelled by then.
    await expectSecondRunWaitsForFirst(ctx.get(ReconciliationRepository), timeoutMs + 500);
  });
});
