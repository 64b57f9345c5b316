import { ReconciliationModule, ReconciliationService, RunNotRunning, RunUnderWay, type PartReport } from '@sanxian/reconciliation';
import { ClientRepository, PartTakenOver } from '@sanxian/persistence';
import { PersistenceContext, startPersistence } from '../../../test/support/persistence-context';
import { processRecords } from '../../../test/support/process-records';
import { openDiscrepancySnapshot } from '../../../test/support/discrepancy-snapshot';
import { citizenId, hukouChange, marriageRecord, registryCard } from '../../../test/support/record-factory';

/**
 * The full run goes township by township, a page of cards and facts at a time, each part
 * deciding the scopes it read (issue 16, bounded memory). Pages of one card make many parts
 * whose people overlap (a woman's marriage stated in the other township): they must give the
 * discrepancies one page per township gives, and a scope no part reads any more is closed at the end.
 */
const AS_OF = '2025-12-31';
const VILLAGES = ['511325101002', '511325102202'];
const women = [0, 1, 2, 3].map((i) => ({ citizenId: citizenId(`199${i}-0${i + 1}-1${i}`, 'F', 700 + i), name: ['周婷', '吴芳', '孙静', '王丽'][i], sex: 'F' as const, birthDate: `199${i}-0${i + 1}-1${i}` }));
const men = [0, 1, 2].map((i) => ({ citizenId: citizenId(`198${i}-0${i + 3}-0${i + 1}`, 'M', 720 + i), name: ['郑军', '陈伟', '李明'][i], sex: 'M' as const, birthDate: `198${i}-0${i + 3}-0${i + 1}` }));

async function county(): Promise<{ ctx: PersistenceContext; service: ReconciliationService }> {
  const ctx = await startPersistence({ imports: [ReconciliationModule], env: { COUNTY_CODE: '511325' } });
  const repo = ctx.get(ClientRepository);
  const fp = (await repo.create('family-planning', 'fp')).clientId;
  const ps = (await repo.create('public-security', 'ps')).clientId;
  const ca = (await repo.create('civil-affairs', 'ca')).clientId;
  await processRecords(ctx, fp, 'registry-card', women.map((w, i) => registryCard(i + 1, 90, {
    recordId: `RC-${i}`, cardId: `C-${i}`, version: 1, eventDate: '2025-01-10', regionCode: VILLAGES[i % 2], woman: { ...w, hukouRegionCode: VILLAGES[i % 2] },
    maritalStatus: i === 3 ? 'married' : 'unmarried', marriageDate: i === 3 ? '2015-05-01' : undefined, husband: i === 3 ? men[2] : undefined,
    children: [], residenceStatus: 'resident',
  })));
  // Married in the other township than her card's: the part of either township reads her whole.
  await processRecords(ctx, ca, 'marriage-record', [0, 1].map((i) => marriageRecord(10 + i, 90, {
    recordId: `MR-${i}`, eventDate: '2025-06-01', regionCode: VILLAGES[(i + 1) % 2], registrationType: 'marriage',
    partyA: { ...men[i], hukouRegionCode: VILLAGES[(i + 1) % 2] }, partyB: { ...women[i], hukouRegionCode: VILLAGES[i % 2] },
  })));
  await processRecords(ctx, ps, 'hukou-change', [
    hukouChange(20, 90, { recordId: 'HK-2', eventDate: '2025-08-01', regionCode: VILLAGES[0], changeType: 'move-out', person: women[2] }),
    hukouChange(21, 90, { recordId: 'HK-M', eventDate: '2025-08-02', regionCode: VILLAGES[1], changeType: 'move-out', person: men[1] }),
  ]);
  return { ctx, service: ctx.get(ReconciliationService) };
}

function openDiscrepancies(ctx: PersistenceContext): Promise<string[]> {
  return openDiscrepancySnapshot((query, params) => ctx.sql(query, params));
}

describe('the full run in township parts', () => {
  let many: { ctx: PersistenceContext; service: ReconciliationService };
  let one: { ctx: PersistenceContext; service: ReconciliationService };
  beforeAll(async () => {
    many = await county();
    one = await county();
  }, 120_000);
  afterAll(async () => {
    await many?.ctx.close();
    await one?.ctx.close();
  });

  it('pages of one card give the discrepancies of the whole county read at once, count each card and fact once, and a second run changes nothing', async () => {
    const parts: (PartReport & { rss: number })[] = [];
    // Peak memory per part: logged, not asserted (it follows the page's people, see README).
    const summary = await many.service.run({ trigger: 'cli', asOf: AS_OF, inParts: true, pageSize: 1, onPart: (p) => parts.push({ ...p, rss: process.memoryUsage().rss }) });
    const whole = await one.service.run({ trigger: 'cli', asOf: AS_OF });
    // Two parts at a time (RECONCILE_PART_CONCURRENCY): they end in either order.
    expect(parts.map((p) => p.township).sort()).toEqual(['511325101', '511325102']);
    expect(parts.reduce((n, p) => n + p.parts, 0)).toBeGreaterThanOrEqual(4); // one page per township would be 2
    // Each person once, though a man without a card is stated in both townships (married in one, moved out of the other).
    expect({ cards: summary.cards, facts: summary.facts, persons: summary.persons }).toEqual({ cards: 4, facts: whole.facts, persons: whole.persons });
    expect(summary.found).toEqual(whole.found);
    expect(summary.links).toEqual(whole.links);
    expect(summary.raised).toBe(whole.raised);
    expect(summary.raised).toBeGreaterThanOrEqual(3);
    expect(summary.closedByData).toBe(0);
    expect(await openDiscrepancies(many.ctx)).toEqual(await openDiscrepancies(one.ctx));

    const again = await many.service.run({ trigger: 'cli', asOf: AS_OF, inParts: true, pageSize: 1 });
    expect({ raised: again.raised, reopened: again.reopened, changed: again.changed, closed: again.closedByData, written: again.links.written })
      .toEqual({ raised: 0, reopened: 0, changed: 0, closed: 0, written: 0 });
    const [run] = await many.ctx.sql(`SELECT mode, status, cards_read, facts_read FROM reconciliation_run WHERE id = $1`, [again.runId]);
    expect(run).toEqual({ mode: 'full', status: 'done', cards_read: 4, facts_read: whole.facts });
    expect(await many.ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run_scope`)).toEqual([{ n: 0 }]);
    // The parts stay as the run's record: each township linked and decided, once.
    expect(await many.ctx.sql(`SELECT phase, count(*)::int AS n, count(done_at)::int AS done FROM reconciliation_run_part WHERE run_id = $1 GROUP BY phase ORDER BY phase`, [again.runId]))
      .toEqual([{ phase: 'decide', n: 2, done: 2 }, { phase: 'link', n: 2, done: 2 }]);
  }, 120_000);

  it('closes at the end what no part reads any more (a gone subject), never a spot check finding', async () => {
    const [{ id: lastRun }] = await many.ctx.sql(`SELECT max(id)::text AS id FROM reconciliation_run`);
    const insert = (key: string, kind: string, scope: string | null) => many.ctx.sql(
      `INSERT INTO discrepancy (key, kind, region_code, township_code, subject, evidence, due_at, raised_by_run, last_seen_run, scope_key)
       VALUES ($1, $2, '511325101002', '511325101', '{}', '{"messageIds": []}', '2026-01-31', $3, $3, $4)`,
      [key, kind, lastRun, scope],
    );
    await insert('marital-status-conflict:C-GONE', 'marital-status-conflict', 'card:C-GONE');
    await insert('spot-check-finding:S-1', 'spot-check-finding', null);
    const summary = await many.service.run({ trigger: 'cli', asOf: AS_OF, inParts: true, pageSize: 2 });
    expect({ raised: summary.raised, closed: summary.closedByData, byKind: summary.byKind })
      .toEqual({ raised: 0, closed: 1, byKind: { 'marital-status-conflict': { raised: 0, closed: 1 } } });
    expect(await many.ctx.sql(`SELECT key, status FROM discrepancy WHERE key IN ('marital-status-conflict:C-GONE', 'spot-check-finding:S-1') ORDER BY key`)).toEqual([
      { key: 'marital-status-conflict:C-GONE', status: 'resolved-by-data' },
      { key: 'spot-check-finding:S-1', status: 'open' },
    ]);
    expect(await openDiscrepancies(many.ctx)).toEqual(await openDiscrepancies(one.ctx));
  }, 120_000);

  it('two workers on one part: each page commits once, the other stops; meanwhile every other run waits', async () => {
    const { service, ctx } = many;
    const plan = await service.planRunInParts({ trigger: 'on-demand', asOf: AS_OF });
    // While it runs, no other run starts: its end closes what no part saw.
    await expect(service.run({ trigger: 'cli', asOf: AS_OF })).rejects.toBeInstanceOf(RunUnderWay);
    await expect(service.runIncremental({ trigger: 'sweep', asOf: AS_OF })).rejects.toBeInstanceOf(RunUnderWay);
    await expect(service.planRunInParts({ trigger: 'nightly', asOf: AS_OF })).rejects.toBeInstanceOf(RunUnderWay);
    // Deciding before every township is linked is refused.
    await expect(service.decidePart(plan.runId, plan.townships[0], 1)).rejects.toThrow(/not linked yet/);
    for (const township of plan.townships) await service.linkPart(plan.runId, township, 1);

    const twice = await Promise.allSettled([service.decidePart(plan.runId, plan.townships[0], 1), service.decidePart(plan.runId, plan.townships[0], 1)]);
    expect(twice.some((r) => r.status === 'fulfilled')).toBe(true);
    for (const r of twice) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PartTakenOver);
    // Whichever stopped, the part is done exactly once (a retried job finds it done).
    await service.decidePart(plan.runId, plan.townships[0], 1);
    for (const township of plan.townships.slice(1)) await service.decidePart(plan.runId, township, 1);
    const summary = await service.finishRunInParts(plan.runId);
    const whole = await one.service.run({ trigger: 'cli', asOf: AS_OF });
    expect({ cards: summary.cards, facts: summary.facts, persons: summary.persons, found: summary.found })
      .toEqual({ cards: whole.cards, facts: whole.facts, persons: whole.persons, found: whole.found });
    expect({ raised: summary.raised, closed: summary.closedByData }).toEqual({ raised: 0, closed: 0 });
    // Ending it again gives the recorded summary; its parts cannot run any more.
    expect(await service.finishRunInParts(plan.runId)).toEqual(JSON.parse(JSON.stringify(summary)));
    await expect(service.linkPart(plan.runId, plan.townships[0])).rejects.toBeInstanceOf(RunNotRunning);
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run_found WHERE run_id = $1`, [plan.runId])).toEqual([{ n: 0 }]);
  }, 120_000);

  it('a run in parts whose parts stopped moving (its jobs lost) is abandoned by the next run', async () => {
    const { service, ctx } = many;
    const plan = await service.planRunInParts({ trigger: 'nightly', asOf: AS_OF });
    await expect(service.run({ trigger: 'cli', asOf: AS_OF })).rejects.toBeInstanceOf(RunUnderWay);
    await ctx.sql(`UPDATE reconciliation_run SET started_at = now() - interval '31 minutes' WHERE id = $1`, [plan.runId]);
    await ctx.sql(`UPDATE reconciliation_run_part SET updated_at = now() - interval '31 minutes' WHERE run_id = $1`, [plan.runId]);
    const next = await service.run({ trigger: 'cli', asOf: AS_OF });
    expect(next.raised + next.closedByData).toBe(0);
    const [abandoned] = await ctx.sql(`SELECT status, error FROM reconciliation_run WHERE id = $1`, [plan.runId]);
    expect(abandoned).toEqual({ status: 'failed', error: expect.stringMatching(/^abandoned: no part moved for 31 minutes/) });
  }, 120_000);

  it('a run of one township in a county that goes in parts is that township\'s parts: it closes only there and covers no batch', async () => {
    const stale = async (ctx: PersistenceContext) => {
      const [{ id: lastRun }] = await ctx.sql(`SELECT max(id)::text AS id FROM reconciliation_run`);
      for (const [card, township] of [['C-GONE-1', '511325101'], ['C-GONE-2', '511325102']]) {
        await ctx.sql(
          `INSERT INTO discrepancy (key, kind, region_code, township_code, subject, evidence, due_at, raised_by_run, last_seen_run, scope_key)
           VALUES ($1, 'marital-status-conflict', $2, $3, '{}', '{"messageIds": []}', '2026-01-31', $4, $4, $5)`,
          [`marital-status-conflict:${card}`, `${township}002`, township, lastRun, `card:${card}`],
        );
      }
    };
    await stale(many.ctx);
    await stale(one.ctx);
    const township = '511325101';
    const inParts = await many.service.run({ trigger: 'cli', asOf: AS_OF, inParts: true, townshipCode: township, pageSize: 1 });
    const inMemory = await one.service.run({ trigger: 'cli', asOf: AS_OF, inParts: false, townshipCode: township });
    expect({ townshipCode: inParts.townshipCode, batches: inParts.batches, closed: inParts.closedByData, raised: inParts.raised })
      .toEqual({ townshipCode: township, batches: 0, closed: 1, raised: 0 });
    expect(inMemory.closedByData).toBe(1);
    const parts = await many.ctx.sql(`SELECT DISTINCT township_code FROM reconciliation_run_part WHERE run_id = $1`, [inParts.runId]);
    expect(parts).toEqual([{ township_code: township }]);
    expect(await many.ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run_batch WHERE run_id = $1`, [inParts.runId])).toEqual([{ n: 0 }]);
    expect(await openDiscrepancies(many.ctx)).toEqual(await openDiscrepancies(one.ctx));
    expect(await many.ctx.sql(`SELECT key FROM discrepancy WHERE key LIKE '%C-GONE-%' AND status = 'open'`)).toEqual([{ key: 'marital-status-conflict:C-GONE-2' }]);
  }, 120_000);
});
