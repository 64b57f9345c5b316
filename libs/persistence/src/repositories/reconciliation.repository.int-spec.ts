import { DiscrepancyModule, LinkReviewWorkflow } from '@sanxian/discrepancy';
import { ClientRepository, DraftRow, LinkRow, ReconciliationRepository, StaffRepository } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { birthNotice, citizenId, marriageRecord, registryCard } from '../../../../test/support/record-factory';
import { expectSecondRunWaitsForFirst } from '../../../../test/support/serialised-runs';

/** What reconciliation reads and writes, driven through the repository as the service drives it. */
describe('ReconciliationRepository (registry and facts in; links, discrepancies and runs out)', () => {
  const ctx = persistenceSuite({ imports: [DiscrepancyModule] });
  let repo: ReconciliationRepository;
  let civil: string;
  let health: string;
  let marriageId: string;
  let noticeId: string;

  const wife = { citizenId: citizenId('1995-03-04', 'F', 501), name: '周婷', sex: 'F', birthDate: '1995-03-04' };
  const husband = { citizenId: citizenId('1993-01-01', 'M', 502), name: '郑军', sex: 'M', birthDate: '1993-01-01' };

  beforeAll(async () => {
    repo = ctx.get(ReconciliationRepository);
    const clients = ctx.get(ClientRepository);
    const fp = (await clients.create('family-planning', 'fp')).clientId;
    civil = (await clients.create('civil-affairs', 'ca')).clientId;
    health = (await clients.create('health', 'h')).clientId;
    await processRecords(ctx, fp, 'registry-card', [
      registryCard(1, 51, { cardId: 'C-1', regionCode: '511325101002', woman: { ...wife, hukouRegionCode: '511325101002' }, maritalStatus: 'unmarried', husband: undefined, marriageDate: undefined, children: [] }),
      registryCard(2, 51, { cardId: 'C-2', regionCode: '511325102202' }),
    ]);
    [marriageId] = await processRecords(ctx, civil, 'marriage-record', [marriageRecord(1, 51, { recordId: 'MR-1', regionCode: '511325101002', partyA: husband, partyB: wife })]);
    [noticeId] = await processRecords(ctx, health, 'birth-notice', [birthNotice(1, 51, { recordId: 'BN-1', regionCode: '511325102202', birthOrder: 2 })]);
  });

  it('loads the current cards as the rules read them, and names the county of most cards', async () => {
    const cards = await repo.loadCurrentCards();
    expect(cards.map((c) => c.cardId).sort()).toEqual(['C-1', 'C-2']);
    const c1 = cards.find((c) => c.cardId === 'C-1')!;
    expect(c1).toMatchObject({ version: 1, regionCode: '511325101002', maritalStatus: 'unmarried', residenceStatus: 'resident', recordId: 'RC-51-1-v1', woman: { citizenId: wife.citizenId, name: '周婷', sex: 'F' }, children: [] });
    expect(c1.husband).toBeUndefined();
    expect(cards.find((c) => c.cardId === 'C-2')!.husband).toMatchObject({ name: expect.any(String) });
    expect(await repo.mostCommonCounty()).toBe('511325');
  });

  it('counts the rows stating each id: registry persons and agency facts, never the registry card\'s own record', async () => {
    const counts = await repo.storedIdCounts();
    // The wife: on card C-1 and in the marriage record; the husband: in the marriage record only.
    expect([wife.citizenId, husband.citizenId, citizenId('1990-01-01', 'F', 999)].map((id) => counts.count(repo.personLookup(id)))).toEqual([2, 1, 0]);
  });

  it('loads agency facts (not the registry’s) with the other party’s name, and a birth notice’s child folded into its mother', async () => {
    const facts = await repo.loadAgencyFacts();
    const marriage = facts.filter((f) => f.fact.messageId === marriageId);
    expect(marriage.map((f) => [f.fact.role, f.fact.person.name, f.spouseName])).toEqual([['partyA', '郑军', '周婷'], ['partyB', '周婷', '郑军']]);
    expect(marriage[0].fact).toMatchObject({ kind: 'marriage-record', recordId: 'MR-1', regionCode: '511325101002' });
    const notice = facts.filter((f) => f.fact.messageId === noticeId);
    expect(notice.map((f) => f.fact.role).sort()).toEqual(['father', 'mother']);
    const mother = notice.find((f) => f.fact.role === 'mother')!;
    expect(mother.fact.detail).toMatchObject({ birthOrder: 2, child: { sex: expect.stringMatching(/^[MF]$/), birthDate: expect.any(String) } });
    expect(facts.map((f) => f.fact.kind as string)).not.toContain('registry-card');
  });

  it('records a run from start to done or failed', async () => {
    const done = await repo.startRun('cli', null, '2025-12-31');
    await repo.finishRun(done, { counts: { raised: 1 } });
    const failed = await repo.startRun('nightly', '511325101', '2025-12-31');
    await repo.finishRun(failed, { error: 'boom' });
    const rows = await ctx.sql(`SELECT id::text, trigger, township_code, status, as_of, counts, error, finished_at IS NOT NULL AS finished FROM reconciliation_run ORDER BY id`);
    expect(rows).toEqual([
      { id: done, trigger: 'cli', township_code: null, status: 'done', as_of: '2025-12-31', counts: { raised: 1 }, error: null, finished: true },
      { id: failed, trigger: 'nightly', township_code: '511325101', status: 'failed', as_of: '2025-12-31', counts: null, error: 'boom', finished: true },
    ]);
  });

  it('runs one reconciliation at a time: a second waits for the first to finish', async () => {
    await expectSecondRunWaitsForFirst(repo, 1000);
  });

  const link = (factId: string, messageId: string, overrides: Partial<LinkRow> = {}): LinkRow => ({
    factId, messageId, townshipCode: '511325101', method: 'citizen-id', decision: 'link', personKey: 'C-1', cardId: 'C-1', cardRole: 'woman',
    personCitizenId: wife.citizenId, score: null, weights: {}, runnerUp: null, candidates: 1, ...overrides,
  });

  it('saves links once: unchanged verdicts are not rewritten, reviews wait as pending, staff decisions stand', async () => {
    const facts = await repo.loadAgencyFacts();
    const [a, b] = facts.filter((f) => f.fact.messageId === marriageId);
    const [mother] = facts.filter((f) => f.fact.messageId === noticeId && f.fact.role === 'mother');
    const links = [link(a.factId, marriageId, { personKey: null, cardId: null, cardRole: null, personCitizenId: null, decision: 'non-link', method: 'probabilistic' }), link(b.factId, marriageId), link(mother.factId, noticeId, { decision: 'review', method: 'probabilistic', personKey: 'C-2', cardId: 'C-2', score: 0.8, townshipCode: '511325102' })];
    expect(await repo.saveLinks(links)).toEqual({ written: 3 });
    expect(await repo.saveLinks(links)).toEqual({ written: 0 });
    expect(await ctx.sql(`SELECT review_status FROM person_link WHERE fact_id = $1`, [mother.factId])).toEqual([{ review_status: 'pending' }]);

    // Staff confirm the review: later runs keep their decision, and report it as manual.
    const staff = await ctx.get(StaffRepository).create('reviewer', 'pw-pw-pw-pw', 'county', null);
    await ctx.get(LinkReviewWorkflow).decide({ level: 'county' }, mother.factId, { decision: 'confirm', comment: '同一人', staff });
    expect(await repo.saveLinks([link(mother.factId, noticeId, { decision: 'non-link', method: 'probabilistic', personKey: null })])).toEqual({ written: 0 });
    expect(await repo.loadManualLinks()).toEqual([{ factId: mother.factId, decision: 'link', personKey: 'C-2' }]);

    // A verdict that changes is rewritten, and leaves the review queue.
    expect(await repo.saveLinks([link(a.factId, marriageId)])).toEqual({ written: 1 });
    expect(await ctx.sql(`SELECT decision, review_status FROM person_link WHERE fact_id = $1`, [a.factId])).toEqual([{ decision: 'link', review_status: null }]);
  });

  const draft = (key: string, township: string, messageId: string, overrides: Partial<DraftRow> = {}): DraftRow => ({
    key, kind: 'marital-status-conflict', regionCode: `${township}002`, townshipCode: township, subject: { cardId: key },
    evidence: { messageIds: [messageId], recordIds: ['R'], cardId: 'C-1' }, agencyValue: 'married', registryValue: 'unmarried', dueAt: '2026-01-20',
    subjectCitizenId: wife.citizenId, subjectName: '周婷', cardId: 'C-1', ...overrides,
  } as DraftRow);

  it('applies a run’s drafts: raises new ones with receipts, changes nothing the second time, closes in scope what is gone, reopens what returns', async () => {
    const run1 = await repo.startRun('cli', null, '2025-12-31');
    const drafts = [draft('k:A', '511325101', marriageId), draft('k:B', '511325102', noticeId, { kind: 'birth-not-in-registry' })];
    expect(await repo.applyDrafts(run1, null, drafts)).toEqual({
      raised: 2, reopened: 0, changed: 0, closedByData: 0, byKind: { 'marital-status-conflict': { raised: 1, closed: 0 }, 'birth-not-in-registry': { raised: 1, closed: 0 } },
    });
    expect(await ctx.sql(`SELECT client_id, record_id FROM exchange_receipt WHERE type = 'discrepancy-raised' ORDER BY client_id`)).toEqual(
      [{ client_id: civil, record_id: 'MR-1' }, { client_id: health, record_id: 'BN-1' }].sort((x, y) => x.client_id.localeCompare(y.client_id)),
    );

    const run2 = await repo.startRun('cli', null, '2025-12-31');
    expect(await repo.applyDrafts(run2, null, drafts)).toEqual({ raised: 0, reopened: 0, changed: 0, closedByData: 0, byKind: {} });
    expect(await repo.applyDrafts(run2, null, [drafts[0], { ...drafts[1], agencyValue: 3 }])).toMatchObject({ raised: 0, changed: 1 });

    // A run of township 511325101 that no longer finds A closes A only; B (another township) stays open.
    const run3 = await repo.startRun('on-demand', '511325101', '2025-12-31');
    expect(await repo.applyDrafts(run3, '511325101', [])).toMatchObject({ closedByData: 1, byKind: { 'marital-status-conflict': { raised: 0, closed: 1 } } });
    expect(await ctx.sql(`SELECT key, status FROM discrepancy ORDER BY key`)).toEqual([{ key: 'k:A', status: 'resolved-by-data' }, { key: 'k:B', status: 'open' }]);
    expect(await ctx.sql(`SELECT record_id FROM exchange_receipt WHERE type = 'resolved'`)).toEqual([{ record_id: 'MR-1' }]);

    const run4 = await repo.startRun('cli', null, '2025-12-31');
    expect(await repo.applyDrafts(run4, null, [drafts[0], { ...drafts[1], agencyValue: 3 }])).toMatchObject({ raised: 0, reopened: 1, changed: 0, closedByData: 0 });
    expect(await ctx.sql(`SELECT key, status, closed_at, raised_by_run::text FROM discrepancy ORDER BY key`)).toEqual([
      { key: 'k:A', status: 'open', closed_at: null, raised_by_run: run1 }, { key: 'k:B', status: 'open', closed_at: null, raised_by_run: run1 },
    ]);
  });

  it('a discrepancy staff closed stays closed, whether the data still shows it or not', async () => {
    // As staff's resolution leaves it (DiscrepancyRepository.resolve is specified with its own repository).
    await ctx.sql(`UPDATE discrepancy SET status = 'resolved', closed_at = now() WHERE key = 'k:B'`);
    const run = await repo.startRun('cli', null, '2025-12-31');
    expect(await repo.applyDrafts(run, null, [draft('k:A', '511325101', marriageId)])).toMatchObject({ raised: 0, reopened: 0, closedByData: 0 });
    const again = await repo.startRun('cli', null, '2025-12-31');
    expect(await repo.applyDrafts(again, null, [draft('k:A', '511325101', marriageId), draft('k:B', '511325102', noticeId, { kind: 'birth-not-in-registry', agencyValue: 3 })])).toMatchObject({ raised: 0, reopened: 0 });
    expect(await ctx.sql(`SELECT status FROM discrepancy WHERE key = 'k:B'`)).toEqual([{ status: 'resolved' }]);
  });
});
