import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogPartitionRepository } from '@sanxian/persistence';
import { cliEnvironment, runCli } from '../support/cli-process';
import { persistenceSuite } from '../support/persistence-context';
import { processRecords } from '../support/process-records';
import { hukouChange } from '../support/record-factory';

jest.setTimeout(120_000);

/** China time, as the months of the partitions are. */
const at = (iso: string) => new Date(`${iso}+08:00`);

/**
 * Rows received in a month that had no partition yet land in the DEFAULT partition, and PostgreSQL then refuses
 * that month's partition (and `log archive` the year). `sanxian log partitions --move-default` gives the month
 * its partition and moves the rows there unchanged: the chain still verifies, the idempotence keys are the
 * same, the guards are back in place, and the month's partition is then made like any other.
 */
describe('rows in a DEFAULT partition moved into their month (`log partitions --move-default`)', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security' } });
  let env: Record<string, string>;
  let dir: string;
  let partitions: LogPartitionRepository;
  const cli = (...args: string[]) => runCli(args, env);
  const count = async (sql: string) => (await ctx.sql(sql))[0].n as number;
  // Far enough ahead that no partition was made for it: the rows land in DEFAULT.
  const MONTH = '2031-05';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-default-'));
    env = cliEnvironment(ctx, dir);
    partitions = ctx.get(LogPartitionRepository);
    await processRecords(ctx, ctx.clients.police, 'hukou-change', [1, 2, 3].map((n) => hukouChange(n, 8)));
    await processRecords(ctx, ctx.clients.police, 'hukou-change', [4, 5].map((n) => hukouChange(n, 8)), { receivedAt: at(`${MONTH}-10T09:00:00`) });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows the rows in DEFAULT and makes no partition for their month until they are moved', async () => {
    expect(await partitions.partitionOf('inbound_message', 'client_id = $1 AND received_at >= $2', [ctx.clients.police, at(`${MONTH}-01T00:00:00`)])).toEqual(['inbound_message_default']);
    const listed = cli('log', 'partitions', '--since', MONTH);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`2 row(s) of inbound_message of ${MONTH} are in its DEFAULT partition`);
    expect(listed.stdout).not.toContain('inbound_message_y2031m05');
    expect(await partitions.archiveRefusals(2031, 2032)).toEqual(expect.arrayContaining([expect.stringContaining('--move-default')]));
  });

  it('moves them into their month unchanged: the chain verifies, keys and counts are the same, the guards hold', async () => {
    const keys = await count(`SELECT count(*)::int AS n FROM inbound_message_key`);
    const messages = await ctx.sql(`SELECT id, chain_seq::text AS seq, row_hash, payload FROM inbound_message ORDER BY chain_seq`);
    const facts = await count(`SELECT count(*)::int AS n FROM canonical_fact`);

    const moved = cli('log', 'partitions', '--move-default', '--json');
    expect(moved.status).toBe(0);
    const result = JSON.parse(moved.stdout);
    expect(result.moved).toEqual(expect.arrayContaining([
      { table: 'inbound_message', partition: 'inbound_message_y2031m05', rows: 2 },
      { table: 'canonical_fact', partition: 'canonical_fact_y2031m05', rows: 2 },
    ]));
    expect(result.inDefault).toEqual([]);

    expect(await partitions.partitionOf('inbound_message', 'received_at >= $1', [at(`${MONTH}-01T00:00:00`)])).toEqual(['inbound_message_y2031m05']);
    expect(await partitions.partitionOf('canonical_fact', 'received_at >= $1', [at(`${MONTH}-01T00:00:00`)])).toEqual(['canonical_fact_y2031m05']);
    expect(await count(`SELECT count(*)::int AS n FROM inbound_message_default`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM inbound_message_key`)).toBe(keys);
    expect(await count(`SELECT count(*)::int AS n FROM canonical_fact`)).toBe(facts);
    expect(await ctx.sql(`SELECT id, chain_seq::text AS seq, row_hash, payload FROM inbound_message ORDER BY chain_seq`)).toEqual(messages);
    const verified = cli('log', 'verify', '--json');
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ checked: 5, breaks: [] });

    // The log stays append-only: the DEFAULT partition's guard is on again, the new month refuses TRUNCATE.
    await expect(ctx.sql(`DELETE FROM inbound_message WHERE chain_seq = 5`)).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`TRUNCATE inbound_message_y2031m05`)).rejects.toThrow(/append-only/);
    expect(await ctx.sql(`SELECT tgenabled FROM pg_trigger WHERE tgrelid = 'inbound_message_default'::regclass AND tgname = 'inbound_message_guard'`)).toEqual([{ tgenabled: 'O' }]);
    // Nothing is left to make or move, and the months around it were made as usual.
    const again = JSON.parse(cli('log', 'partitions', '--since', MONTH, '--json').stdout);
    expect(again).toMatchObject({ made: [], moved: [], inDefault: [] });
    expect(again.partitions).toEqual(expect.arrayContaining(['inbound_message_y2031m05', 'inbound_message_y2031m06', 'exchange_receipt_y2031m05']));
  });
});
