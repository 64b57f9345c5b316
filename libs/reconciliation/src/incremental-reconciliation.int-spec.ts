import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { persistenceSuite } from '../../../test/support/persistence-context';
import { processRecords } from '../../../test/support/process-records';
import { TOWNSHIP_A, TOWNSHIP_B, smallCounty } from '../../../test/support/small-county';
import { citizenId, hukouChange, registryCard } from '../../../test/support/record-factory';

/**
 * Incremental runs on the small county (test/support/small-county.ts): after a batch, only the
 * people it touched are read, their discrepancies appear, and a full run afterwards changes nothing.
 */
const AS_OF = '2025-12-31';

describe('ReconciliationService.runIncremental (the people a batch touched)', () => {
  const ctx = persistenceSuite({ imports: [ReconciliationModule], env: { COUNTY_CODE: '511325' } });
  let service: ReconciliationService;
  let county: Awaited<ReturnType<typeof smallCounty>>;
  const run = (id: string) => ctx.sql(`SELECT mode, trigger, status, persons_read, facts_read, cards_read, raised, closed, changed FROM reconciliation_run WHERE id = $1`, [id]);
  const openDiscrepancies = () => ctx.sql(`SELECT key, kind, card_id, scope_key FROM discrepancy WHERE status = 'open' ORDER BY key`);
  const unreconciled = async () => (await ctx.sql(`SELECT count(*)::int AS n FROM intake_batch WHERE reconciled_at IS NULL`))[0].n;

  beforeAll(async () => {
    service = ctx.get(ReconciliationService);
    county = await smallCounty(ctx);
  });

  it('with no batch waiting, does nothing and records no run', async () => {
    await service.run({ trigger: 'cli', asOf: AS_OF });
    expect(await unreconciled()).toBe(0);
    const runs = (await ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run`))[0].n;
    expect(await service.runIncremental({ trigger: 'sweep', asOf: AS_OF })).toBeUndefined();
    expect((await ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run`))[0].n).toBe(runs);
    // The full run gave every discrepancy its scope: the card it is about.
    expect((await openDiscrepancies()).map((d) => [d.kind, d.scope_key])).toEqual(
      expect.arrayContaining([['marital-status-conflict', 'card:C-A-M'], ['moved-out-still-registered', 'card:C-A-R'], ['marital-status-conflict', 'card:C-B-M']]),
    );
  });

  it("after a batch, reads only its people's cards and facts, raises their discrepancies, and marks the batch reconciled", async () => {
    // B's woman (on card C-B-M, married to 陈伟 by MR-B) moves out of the county.
    const wifeB = { citizenId: citizenId('1994-02-03', 'F', 604), name: '孙静', sex: 'F', birthDate: '1994-02-03' };
    await processRecords(ctx, county.clients.police, 'hukou-change', [
      hukouChange(2, 61, { recordId: 'HK-B', eventDate: '2025-09-01', regionCode: '511325102202', changeType: 'move-out', person: wifeB }),
    ]);
    expect(await unreconciled()).toBe(1);
    const summary = (await service.runIncremental({ trigger: 'intake', asOf: AS_OF }))!;
    // Her card, and her husband (no card of his own); the move-out and both sides of the marriage.
    expect(summary).toMatchObject({ mode: 'incremental', batches: 1, moreBatches: false, cards: 1, persons: 2, facts: 3, raised: 1, closedByData: 0, changed: 0 });
    expect(await run(summary.runId)).toEqual([{ mode: 'incremental', trigger: 'intake', status: 'done', persons_read: 2, facts_read: 3, cards_read: 1, raised: 1, closed: 0, changed: 0 }]);
    const moved = (await openDiscrepancies()).filter((d) => d.kind === 'moved-out-still-registered');
    expect(moved.map((d) => [d.card_id, d.scope_key])).toEqual([['C-A-R', 'card:C-A-R'], ['C-B-M', 'card:C-B-M']]);
    expect(await unreconciled()).toBe(0);

    const full = await service.run({ trigger: 'cli', asOf: AS_OF });
    expect(full).toMatchObject({ mode: 'full', raised: 0, reopened: 0, changed: 0, closedByData: 0 });
  });

  it("a new card version closes what it corrects, and only that person's discrepancies", async () => {
    const wifeB = { citizenId: citizenId('1994-02-03', 'F', 604), name: '孙静', sex: 'F', birthDate: '1994-02-03', hukouRegionCode: '511325102202' };
    await processRecords(ctx, county.clients.fp, 'registry-card', [
      registryCard(1, 61, {
        recordId: 'RC-C-B-M-v2', cardId: 'C-B-M', version: 2, eventDate: '2025-09-05', regionCode: '511325102202', woman: wifeB, children: [],
        maritalStatus: 'married', marriageDate: '2025-06-02', husband: { citizenId: citizenId('1992-05-05', 'M', 606), name: '陈伟', sex: 'M', birthDate: '1992-05-05' },
        residenceStatus: 'moved-out',
      }),
    ]);
    const summary = (await service.runIncremental({ trigger: 'intake', asOf: AS_OF }))!;
    expect(summary).toMatchObject({ mode: 'incremental', batches: 1, raised: 0, closedByData: 2 });
    expect(summary.byKind).toEqual({ 'marital-status-conflict': { raised: 0, closed: 1 }, 'moved-out-still-registered': { raised: 0, closed: 1 } });
    const open = await openDiscrepancies();
    expect(open.map((d) => d.card_id).sort()).toEqual(['C-A-M', 'C-A-R']);
    expect(open.every((d) => d.key.length > 0)).toBe(true);
    const closedB = await ctx.sql(`SELECT status FROM discrepancy WHERE township_code = $1`, [TOWNSHIP_B]);
    expect(closedB.map((d) => d.status)).toEqual(['resolved-by-data', 'resolved-by-data']);

    expect(await service.run({ trigger: 'cli', asOf: AS_OF })).toMatchObject({ raised: 0, reopened: 0, changed: 0, closedByData: 0 });
  });

  it('changed cards that reach more facts than the limit make the run a full one', async () => {
    await processRecords(ctx, county.clients.fp, 'registry-card', [
      // A second card for B's woman (孙静): her marriage and her move-out both search her id.
      registryCard(7, 63, {
        recordId: 'RC-NEW-1', cardId: 'C-NEW-1', regionCode: '511325101002',
        woman: { citizenId: citizenId('1994-02-03', 'F', 604), name: '孙静', sex: 'F', birthDate: '1994-02-03' },
      }),
    ]);
    // The new card reaches her facts: more than one is too many here.
    const summary = (await service.runIncremental({ trigger: 'intake', asOf: AS_OF, maxReachedFacts: 1 }))!;
    expect(summary).toMatchObject({ mode: 'full', batches: 1, raised: 0, closedByData: 0 });
    expect(await unreconciled()).toBe(0);
  });

  it('a backlog beyond the batch limit is covered by one full run', async () => {
    for (const serial of [3, 4, 5]) {
      await processRecords(ctx, county.clients.police, 'hukou-change', [hukouChange(serial, 62, { changeType: 'update' })]);
    }
    const summary = (await service.runIncremental({ trigger: 'sweep', asOf: AS_OF, maxBatches: 2 }))!;
    expect(summary).toMatchObject({ mode: 'full', batches: 3, raised: 0, closedByData: 0 });
    expect(await unreconciled()).toBe(0);
  });
});

describe('ReconciliationService.runIncremental in a county that goes in parts', () => {
  // Every county goes in parts here (above 0 cards).
  const ctx = persistenceSuite({ imports: [ReconciliationModule], env: { COUNTY_CODE: '511325', RECONCILE_IN_MEMORY_MAX_CARDS: '0' } });
  let service: ReconciliationService;
  let county: Awaited<ReturnType<typeof smallCounty>>;
  const runCount = async () => (await ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run`))[0].n;
  const unreconciled = async () => (await ctx.sql(`SELECT count(*)::int AS n FROM intake_batch WHERE reconciled_at IS NULL`))[0].n;

  beforeAll(async () => {
    service = ctx.get(ReconciliationService);
    county = await smallCounty(ctx);
    await service.run({ trigger: 'cli', asOf: AS_OF });
  });

  it('hands a backlog over as a full run in parts for the workers, when asked, and runs it here otherwise', async () => {
    for (const serial of [3, 4, 5]) {
      await processRecords(ctx, county.clients.police, 'hukou-change', [hukouChange(serial, 62, { changeType: 'update' })]);
    }
    const runs = await runCount();
    // The worker asks: nothing is run in its process, the batches wait for the flow it queues.
    expect(await service.runIncremental({ trigger: 'sweep', asOf: AS_OF, maxBatches: 2, handOverRunInParts: true })).toEqual({ fullRunWanted: 'backlog' });
    expect(await runCount()).toBe(runs);
    expect(await unreconciled()).toBe(3);
    // The flow's plan covers them (what the worker's startRunInParts does first).
    const plan = await service.planRunInParts({ trigger: 'sweep', asOf: AS_OF });
    expect(plan.townships).toEqual(expect.arrayContaining([TOWNSHIP_A, TOWNSHIP_B]));
    expect(await ctx.sql(`SELECT count(*)::int AS n FROM reconciliation_run_batch WHERE run_id = $1`, [plan.runId])).toEqual([{ n: 3 }]);
    await service.failRunInParts(plan.runId, 'test: the flow is not run here');
    // A caller that does not ask (the CLI) gets the full run in parts in its own process.
    const summary = (await service.runIncremental({ trigger: 'sweep', asOf: AS_OF, maxBatches: 2 }))!;
    expect(summary).toMatchObject({ mode: 'full', batches: 3, raised: 0, closedByData: 0 });
    expect(await unreconciled()).toBe(0);
  });

  it('hands over a run whose changed cards reach too many facts, too', async () => {
    await processRecords(ctx, county.clients.fp, 'registry-card', [
      registryCard(8, 63, {
        recordId: 'RC-NEW-2', cardId: 'C-NEW-2', regionCode: '511325101002',
        woman: { citizenId: citizenId('1994-02-03', 'F', 604), name: '孙静', sex: 'F', birthDate: '1994-02-03' },
      }),
    ]);
    const runs = await runCount();
    expect(await service.runIncremental({ trigger: 'intake', asOf: AS_OF, maxReachedFacts: 0, handOverRunInParts: true })).toEqual({ fullRunWanted: 'reach' });
    expect(await runCount()).toBe(runs);
    expect(await unreconciled()).toBe(1);
  });
});
