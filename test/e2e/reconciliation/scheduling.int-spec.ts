import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { NIGHTLY_RECONCILIATION, QueueName, RECONCILE_SWEEP, RECONCILE_SWEEP_EVERY_MS } from '@sanxian/jobs';
import { runCli } from '../../support/cli-process';
import { Hub, send, startHub, TestClient, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { marriageRecord, registryCard } from '../../support/record-factory';

/*
 * When reconciliation runs without anyone asking: after intake (one run per quiet window), and
 * nightly on a BullMQ job scheduler; and `sanxian reconcile` run by an operator as a process.
 */
function scenario(env: Record<string, string>) {
  const ctx = {} as { hub: Hub; fp: TestClient; civil: TestClient; sent: number };
  beforeAll(async () => {
    ctx.hub = await startHub({ worker: true, env });
    ctx.fp = await ctx.hub.createClient('family-planning');
    ctx.civil = await ctx.hub.createClient('civil-affairs');
    ctx.sent = 0;
  });
  afterAll(() => ctx.hub?.close());
  return ctx;
}

async function push(ctx: ReturnType<typeof scenario>, client: TestClient, path: string, records: Record<string, unknown>[]) {
  const res = await send(ctx.hub.url, client, 'POST', path, { records });
  expect(res.status).toBe(202);
  ctx.sent += (await res.json()).accepted;
  await waitUntilProcessed(ctx.hub, ctx.sent);
}

/** An unmarried woman's card, and a later marriage record naming her: a marital-status conflict. */
async function pushConflict(ctx: ReturnType<typeof scenario>, serial: number): Promise<string> {
  const card = registryCard(serial, 41, { maritalStatus: 'unmarried', marriageDate: undefined, husband: undefined, children: [], eventDate: '2025-01-05' });
  const woman = card.woman as Record<string, unknown>;
  await push(ctx, ctx.fp, '/v1/exchange/registry-cards', [card]);
  await push(ctx, ctx.civil, '/v1/exchange/marriage-records', [
    marriageRecord(serial, 41, { eventDate: '2025-06-01', registrationType: 'marriage', partyB: { ...woman } }),
  ]);
  return `marital-status-conflict:${card.cardId}`;
}

describe('reconciliation runs by itself: after intake, and nightly', () => {
  const ctx = scenario({ RECONCILE_AFTER_INTAKE_DELAY_MS: '300', RECONCILE_AS_OF: '2025-12-31' });

  it('reconciles after intake by itself: a conflict pushed becomes a discrepancy without a request', async () => {
    const { hub } = ctx;
    const key = await pushConflict(ctx, 1);
    const [row] = await waitFor('the after-intake run', async () => {
      const rows = await hub.sql(`SELECT key, status, kind FROM discrepancy WHERE key = $1`, [key]);
      return rows.length ? rows : undefined;
    }, 30_000);
    expect(row).toMatchObject({ key, status: 'open', kind: 'marital-status-conflict' });
    // A later window's run may still be finishing when the discrepancy shows: every run ends done.
    const runs = await waitFor('the after-intake runs to finish, every batch covered', async () => {
      const rows = await hub.sql(`SELECT trigger, status, mode, persons_read FROM reconciliation_run WHERE trigger = 'intake'`);
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM intake_batch WHERE reconciled_at IS NULL`);
      return rows.length && n === 0 && rows.every((r) => r.status !== 'running') ? rows : undefined;
    }, 30_000);
    expect(runs.every((r) => r.status === 'done')).toBe(true);
    // After intake the run is incremental: the people of the batches, every batch covered.
    expect(runs.every((r) => r.mode === 'incremental' && r.persons_read >= 1)).toBe(true);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM intake_batch WHERE reconciled_at IS NULL`)).toEqual([{ n: 0 }]);
  });

  it('keeps a sweeper that reconciles batches whose run after intake was lost', async () => {
    const { hub } = ctx;
    const queue = hub.worker!.get<Queue>(getQueueToken(QueueName.Reconcile));
    const scheduler = await queue.getJobScheduler(RECONCILE_SWEEP);
    expect(scheduler).toMatchObject({ every: RECONCILE_SWEEP_EVERY_MS });
  });

  it('keeps a nightly job scheduler in Redis, in China\'s time zone', async () => {
    const { hub } = ctx;
    const queue = hub.worker!.get<Queue>(getQueueToken(QueueName.Reconcile));
    const scheduler = await queue.getJobScheduler(NIGHTLY_RECONCILIATION);
    expect(scheduler).toMatchObject({ pattern: hub.config.reconcileCron, tz: 'Asia/Shanghai' });
    expect(Number(scheduler!.next)).toBeGreaterThan(Date.now());
  });

});

describe('`sanxian reconcile` run by an operator', () => {
  // The default quiet window is a day in tests: no run but the CLI's.
  const ctx = scenario({});

  it('`sanxian reconcile` as a process waits for the run and says what changed; a second run changes nothing', async () => {
    const { hub } = ctx;
    await pushConflict(ctx, 2);
    const first = runCli(['reconcile', '--as-of', '2025-12-31', '--json'], hub.env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary).toMatchObject({ raised: 1, closedByData: 0, townshipCode: null, asOf: '2025-12-31' });
    expect(summary.byKind['marital-status-conflict']).toEqual({ raised: 1, closed: 0 });

    const second = runCli(['reconcile', '--as-of', '2025-12-31'], hub.env);
    expect(second.status).toBe(0);
    expect(second.stdout).toMatch(/0 raised, 0 reopened, 0 updated, 0 closed by data/);

    const bad = runCli(['reconcile', '--township', '5113'], hub.env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--township must be a 9-digit township code/);
  });

  it('`sanxian reconcile runs` lists the runs, newest first, with their mode and what they read and changed', async () => {
    const { hub } = ctx;
    const listed = runCli(['reconcile', 'runs', '--limit', '2', '--json'], hub.env);
    expect(listed.stderr).toBe('');
    expect(listed.status).toBe(0);
    const runs = JSON.parse(listed.stdout);
    expect(runs).toHaveLength(2);
    expect(runs.map((r: Record<string, unknown>) => [r.mode, r.trigger, r.status, r.raised, r.closed, r.changed])).toEqual([
      ['full', 'cli', 'done', 0, 0, 0],
      ['full', 'cli', 'done', 1, 0, 0],
    ]);
    expect(runs[1]).toMatchObject({ personsRead: expect.any(Number), factsRead: expect.any(Number), cardsRead: 1 });
    expect(Number(runs[0].id)).toBeGreaterThan(Number(runs[1].id));

    const table = runCli(['reconcile', 'runs'], hub.env);
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^run\s+mode\s+trigger\s+status/);
    expect(table.stdout).toMatch(/full\s+cli\s+done/);

    const bad = runCli(['reconcile', 'runs', '--limit', 'many'], hub.env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--limit must be a whole number/);
  });

});
