import { DiscrepancyModule, LinkReviewWorkflow } from '@sanxian/discrepancy';
import type { RegionScope } from '@sanxian/domain';
import { ClientRepository, LinkReviewRepository, StaffRepository, StaffUser } from '@sanxian/persistence';
import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { birthNotice, citizenId, registryCard } from '../../../../test/support/record-factory';

/**
 * In each of two townships, two sisters on cards of their own (same birth date, names one stroke
 * apart) and a birth notice whose mother, stated without an id, fits both equally: linkage sends
 * the mother to review, and reconciliation raises an unlinked-record discrepancy.
 */
const A = '511325101';
const B = '511325102';
const VILLAGE = { [A]: '511325101002', [B]: '511325102202' };

describe('LinkReviewRepository (the queue of facts linkage was unsure of)', () => {
  const ctx = persistenceSuite({ imports: [ReconciliationModule, DiscrepancyModule] });
  let reviews: LinkReviewRepository;
  let health: string;
  let reviewer: StaffUser;
  const factOf: Record<string, string> = {};
  const COUNTY: RegionScope = { level: 'county' };
  const scopeA: RegionScope = { level: 'township', code: A };
  const scopeB: RegionScope = { level: 'township', code: B };
  const reconcile = () => ctx.get(ReconciliationService).run({ trigger: 'cli', asOf: '2025-12-31' });

  beforeAll(async () => {
    reviews = ctx.get(LinkReviewRepository);
    const clients = ctx.get(ClientRepository);
    const fp = (await clients.create('family-planning', 'fp')).clientId;
    health = (await clients.create('health', 'h')).clientId;
    reviewer = await ctx.get(StaffRepository).create('reviewer', 'pw-pw-pw-pw', 'county', null);
    for (const [t, base, sisters, mother, born] of [[A, 700, ['王丽', '王莉'], '王俐', '1990-05-01'], [B, 720, ['陈静', '陈婧'], '陈菁', '1989-11-12']] as const) {
      await processRecords(ctx, fp, 'registry-card', sisters.map((name, i) => registryCard(base + i, 71, {
        recordId: `RC-${t}-${i}`, cardId: `C-${t}-${i}`, eventDate: '2025-01-10', regionCode: VILLAGE[t], children: [], residenceStatus: 'resident', maritalStatus: 'married',
        woman: { citizenId: citizenId(born, 'F', base + i), name, sex: 'F', birthDate: born, hukouRegionCode: VILLAGE[t] },
        husband: { citizenId: citizenId('1988-01-01', 'M', base + 10 + i), name: i ? '赵强' : '李军', sex: 'M', birthDate: '1988-01-01' },
      })));
      await processRecords(ctx, health, 'birth-notice', [birthNotice(base, 71, {
        recordId: `BN-${t}`, eventDate: '2025-06-01', regionCode: VILLAGE[t], child: { sex: 'M', birthDate: '2025-06-01' },
        mother: { name: mother, sex: 'F', birthDate: born }, father: { citizenId: citizenId('1985-01-01', 'M', base + 20), name: '张伟', sex: 'M', birthDate: '1985-01-01' }, birthOrder: 1,
      })]);
    }
    await reconcile();
    for (const r of await reviews.list(COUNTY, { status: 'all', limit: 100 })) factOf[r.townshipCode] = r.factId;
  });

  it('lists pending reviews likeliest match first within the scope, in keyset pages', async () => {
    const all = await reviews.list(COUNTY, { status: 'pending', limit: 100 });
    expect(all.map((r) => r.townshipCode).sort()).toEqual([A, B]);
    expect(all[0].score ?? -Infinity).toBeGreaterThanOrEqual(all[1].score ?? -Infinity);
    expect(all[0]).toMatchObject({ status: 'pending', method: 'probabilistic', record: { kind: 'birth-notice', role: 'mother', name: '王俐', citizenId: null } });
    expect(all[0].candidate?.cardId).toMatch(/^C-511325101-[01]$/);
    expect((await reviews.list(scopeB, { status: 'all', limit: 100 })).map((r) => r.factId)).toEqual([factOf[B]]);
    expect(await reviews.list(COUNTY, { status: 'confirmed', limit: 100 })).toEqual([]);
    expect(await reviews.list(COUNTY, { status: 'all', limit: 1, after: { score: all[0].score, factId: all[0].factId } })).toEqual([all[1]]);
  });

  it('shows a review beside the registry person proposed and the discrepancy it raised, only inside the scope', async () => {
    const detail = await reviews.findInScope(scopeA, factOf[A]);
    expect(detail).toMatchObject({
      decision: 'review', review: { by: null, at: null, comment: null },
      record: { recordId: `BN-${A}`, clientId: health, eventDate: '2025-06-01', regionCode: VILLAGE[A], relativeName: '张伟', citizenIdValid: false },
      registryPerson: { cardRole: 'woman', regionCode: VILLAGE[A], name: expect.stringMatching(/^王[丽莉]$/), relativeName: expect.any(String) },
      discrepancyId: expect.any(String),
    });
    expect(await reviews.findInScope(scopeB, factOf[A])).toBeUndefined();
    const [discrepancy] = await ctx.sql(`SELECT kind, status FROM discrepancy WHERE id = $1`, [detail!.discrepancyId]);
    expect(discrepancy).toEqual({ kind: 'unlinked-record', status: 'open' });
  });

  it('confirming links the fact for good, closes its discrepancy, tells the sender and is audited; a decision is taken once', async () => {
    const staff = { id: reviewer.id, username: reviewer.username };
    expect(await ctx.get(LinkReviewWorkflow).decide(scopeB, factOf[A], { decision: 'confirm', comment: 'x', staff })).toEqual({ outcome: 'not-found' });
    const decided = await ctx.get(LinkReviewWorkflow).decide(scopeA, factOf[A], { decision: 'confirm', comment: '同一人', staff });
    expect(decided).toMatchObject({ outcome: 'decided', status: 'confirmed', discrepancyId: expect.any(String) });
    expect(await ctx.get(LinkReviewWorkflow).decide(scopeA, factOf[A], { decision: 'reject', comment: 'again', staff })).toEqual({ outcome: 'not-pending', status: 'confirmed' });

    const detail = await reviews.findInScope(COUNTY, factOf[A]);
    expect(detail).toMatchObject({ status: 'confirmed', method: 'manual', decision: 'link', review: { by: staff, comment: '同一人', at: expect.any(Date) } });
    expect(await ctx.sql(`SELECT status, resolution->>'action' AS action FROM discrepancy WHERE id = $1`, [decided.outcome === 'decided' && decided.discrepancyId])).toEqual([{ status: 'resolved', action: 'confirm-link' }]);
    expect(await ctx.sql(`SELECT client_id, record_id FROM exchange_receipt WHERE type = 'resolved'`)).toEqual([{ client_id: health, record_id: `BN-${A}` }]);
    expect((await ctx.sql(`SELECT action FROM audit_log ORDER BY id`)).map((r) => r.action)).toEqual(['discrepancy.resolve', 'link-review.decide']);
  });

  it('rejecting leaves the fact with no person and dismisses its discrepancy; later runs keep both decisions', async () => {
    const staff = { id: reviewer.id, username: reviewer.username };
    expect(await ctx.get(LinkReviewWorkflow).decide(scopeB, factOf[B], { decision: 'reject', comment: '非本县', staff })).toMatchObject({ outcome: 'decided', status: 'rejected' });
    const rejected = await reviews.findInScope(scopeB, factOf[B]);
    expect(rejected).toMatchObject({ status: 'rejected', method: 'manual', decision: 'non-link', candidate: null, registryPerson: null });

    const run = await reconcile();
    expect(run.links.manual).toBe(2);
    expect(await reviews.list(COUNTY, { status: 'pending', limit: 100 })).toEqual([]);
    expect((await ctx.sql(`SELECT status FROM discrepancy WHERE kind = 'unlinked-record' ORDER BY township_code`)).map((r) => r.status)).toEqual(['resolved', 'dismissed']);
  });
});
