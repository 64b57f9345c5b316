import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogPartitionRepository, MessageLogRepository } from '@sanxian/persistence';
import { cliEnvironment, runCli } from '../support/cli-process';
import { logRecords } from '../support/log-records';
import { persistenceSuite } from '../support/persistence-context';
import { processRecords } from '../support/process-records';
import { hukouChange } from '../support/record-factory';

jest.setTimeout(180_000);

/** China time, as the months of the partitions are. */
const at = (iso: string) => new Date(`${iso}+08:00`);

/**
 * The message log partitioned by month (PartitionLogByMonth): rows of two months land in two partitions and
 * the chain verifies across them; a closed year is archived to a file with `sanxian log archive` (a process,
 * as an operator runs it), after which `log verify` goes on from the archived heads and `log verify
 * --archive` checks the file itself.
 */
describe('the message log across month partitions, and a closed year archived', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security', health: 'health' } });
  let env: Record<string, string>;
  let dir: string;
  let log: MessageLogRepository;
  let partitions: LogPartitionRepository;
  const archiveFile = () => join(dir, 'log-2025.jsonl');
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sanxian-archive-'));
    env = cliEnvironment(ctx, dir);
    log = ctx.get(MessageLogRepository);
    partitions = ctx.get(LogPartitionRepository);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes the month partitions of a history import first (`log partitions --since`), idempotently', () => {
    const made = cli('log', 'partitions', '--since', '2025-11', '--json');
    expect(made.status).toBe(0);
    const result = JSON.parse(made.stdout);
    expect(result.made).toEqual(expect.arrayContaining(['inbound_message_y2025m11', 'inbound_message_y2025m12', 'canonical_fact_y2025m12', 'exchange_receipt_y2026m01']));
    expect(result.partitions).toEqual(expect.arrayContaining(['inbound_message_default', 'inbound_message_y2025m12', 'inbound_message_y2026m01']));
    const again = JSON.parse(cli('log', 'partitions', '--since', '2025-11', '--json').stdout);
    expect(again.made).toEqual([]);
    expect(cli('log', 'partitions', '--since', '2025-13').status).toBe(2);
  });

  it('lands rows received either side of a month boundary in two partitions, and verifies the chain across them', async () => {
    await processRecords(ctx, ctx.clients.police, 'hukou-change', [1, 2, 3].map((n) => hukouChange(n, 7)), { receivedAt: at('2025-12-31T23:59:59.500') });
    await processRecords(ctx, ctx.clients.police, 'hukou-change', [4, 5].map((n) => hukouChange(n, 7)), { receivedAt: at('2026-01-01T00:00:00.000') });
    await logRecords(log, ctx.clients.health, 'birth-notice', [{ recordId: 'BN-1' }, { recordId: 'BN-2' }], { receivedAt: at('2025-12-02T09:00:00') });
    expect(await partitions.partitionOf('inbound_message', 'client_id = $1', [ctx.clients.police])).toEqual(['inbound_message_y2025m12', 'inbound_message_y2026m01']);
    expect(await partitions.partitionOf('canonical_fact', 'client_id = $1', [ctx.clients.police])).toEqual(['canonical_fact_y2025m12', 'canonical_fact_y2026m01']);
    const verified = cli('log', 'verify', '--json');
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ checked: 7, clients: 2, breaks: [] });
  });

  it('catches one byte changed in a row of an older partition (behind the guard, as a superuser could)', async () => {
    const [row] = await ctx.sql(`SELECT id, chain_seq::text AS seq, payload FROM inbound_message WHERE client_id = $1 AND chain_seq = 2`, [ctx.clients.police]);
    const forged = row.payload.replace(/"recordId":"/, '"recordId":"X');
    const rewrite = async (payload: string) => {
      await ctx.sql(`ALTER TABLE inbound_message_y2025m12 DISABLE TRIGGER inbound_message_guard`);
      await ctx.sql(`UPDATE inbound_message SET payload = $2 WHERE id = $1`, [row.id, payload]);
      await ctx.sql(`ALTER TABLE inbound_message_y2025m12 ENABLE TRIGGER inbound_message_guard`);
    };
    await rewrite(forged);
    const broken = cli('log', 'verify', '--json');
    expect(broken.status).toBe(3);
    expect(JSON.parse(broken.stdout).breaks).toEqual([{ clientId: ctx.clients.police, chainSeq: '2', messageId: row.id, reason: 'payload does not match its SHA-256' }]);
    await rewrite(row.payload);
    expect(cli('log', 'verify').status).toBe(0);
  });

  it('refuses to archive the current year, or a year with work still to do, saying what', async () => {
    const current = cli('log', 'archive', '--year', String(new Date(Date.now() + 8 * 3600_000).getUTCFullYear()), '--out', join(dir, 'now.jsonl'));
    expect(current.status).toBe(2);
    expect(current.stderr).toMatch(/is not closed/);
    // The health client's batch of 2025 was logged but never processed.
    const pending = cli('log', 'archive', '--year', '2025', '--out', archiveFile());
    expect(pending.status).toBe(2);
    expect(pending.stderr).toMatch(/1 intake batch\(es\) of 2025 are neither processed nor dead/);
    expect(existsSync(archiveFile())).toBe(false);
    expect(cli('log', 'archive', '--year', 'last', '--out', archiveFile()).status).toBe(2);
  });

  it('archives 2025 to a file with its SHA-256 and heads, drops its partitions, and the rest of the chain still verifies', async () => {
    await ctx.sql(`UPDATE intake_batch SET dead_at = now(), last_error = 'test: given up' WHERE client_id = $1`, [ctx.clients.health]);
    expect(cli('log', 'checkpoint').status).toBe(0);
    const archived = cli('log', 'archive', '--year', '2025', '--out', archiveFile(), '--json');
    expect(archived.status).toBe(0);
    const result = JSON.parse(archived.stdout);
    expect(result).toMatchObject({ year: 2025, messages: 5, facts: 3, receipts: 0 });
    const sha = createHash('sha256').update(readFileSync(archiveFile())).digest('hex');
    expect(result.sha256).toBe(sha);
    expect(readFileSync(`${archiveFile()}.sha256`, 'utf8')).toBe(`${sha}  log-2025.jsonl\n`);
    expect(result.heads).toEqual(expect.arrayContaining([expect.objectContaining({ clientId: ctx.clients.police, lastSeq: '3' }), expect.objectContaining({ clientId: ctx.clients.health, lastSeq: '2' })]));
    expect(result.droppedPartitions).toEqual(expect.arrayContaining(['inbound_message_y2025m12', 'canonical_fact_y2025m12']));

    const [row] = await ctx.sql(`SELECT year, file_sha256, messages::int, heads FROM log_archive`);
    expect(row).toMatchObject({ year: 2025, file_sha256: sha, messages: 5 });
    await expect(ctx.sql(`DELETE FROM log_archive`)).rejects.toThrow(/append-only/);
    expect(await ctx.sql(`SELECT 1 FROM inbound_message WHERE received_at < '2026-01-01 00:00:00+08'`)).toEqual([]);
    expect(await partitions.partitions()).not.toContain('inbound_message_y2025m12');

    // The chain goes on from the archived heads; the checkpoint's rows of 2025 are in the file, not missing.
    const verified = cli('log', 'verify');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toMatch(/chains intact: 2 message\(s\) in 2 client chain\(s\) verified \(from the heads archived with 2025\)/);
    expect(verified.stdout).not.toMatch(/REWRITTEN/);
    const file = cli('log', 'verify', '--archive', archiveFile());
    expect(file.stdout).toMatch(/archive intact: 5 message\(s\) of 2025 verified/);
    expect(file.status).toBe(0);
  });

  it('still answers a record of the archived year sent again as a duplicate, and goes on chaining after it', async () => {
    const again = await logRecords(log, ctx.clients.health, 'birth-notice', [{ recordId: 'BN-1' }, { recordId: 'BN-3' }], { receivedAt: at('2026-01-10T10:00:00') });
    expect(again.statuses).toEqual(['duplicate', 'accepted']);
    const verified = cli('log', 'verify', '--json');
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ checked: 3, breaks: [], archivedThrough: 2025 });
    expect(cli('log', 'archive', '--year', '2025', '--out', join(dir, 'again.jsonl')).stderr).toMatch(/2025 is archived already/);
  });

  it('catches one byte changed in the archive file', () => {
    const text = readFileSync(archiveFile(), 'utf8');
    const forged = join(dir, 'forged.jsonl');
    writeFileSync(forged, text.replace('BN-2', 'BN-9'));
    const checked = cli('log', 'verify', '--archive', forged, '--json');
    expect(checked.status).toBe(3);
    const problems: string[] = JSON.parse(checked.stdout).problems;
    expect(problems.join('\n')).toMatch(/SHA-256 .* is not the one recorded for 2025/);
    expect(problems.join('\n')).toMatch(/payload does not match its SHA-256|row hash does not match/);
    expect(cli('log', 'verify', '--archive', join(dir, 'none.jsonl')).status).toBe(2);
  });
});
