import fc from 'fast-check';
import { ReconciliationModule, ReconciliationService } from '@sanxian/reconciliation';
import { ClientRepository } from '@sanxian/persistence';
import { PersistenceContext, startPersistence } from '../../../test/support/persistence-context';
import { processRecords } from '../../../test/support/process-records';
import { birthNotice, citizenId, hukouChange, marriageRecord, registryCard } from '../../../test/support/record-factory';

/**
 * Property: whatever small batches arrive, in whatever order, an incremental run after each and
 * a full run at the end agree. The full run changes nothing, and the open discrepancies equal
 * those of a fresh hub given the same batches and one full run. A county of four women and
 * three men (cards, marriages, moves, deaths, births about them), so the runs are quick.
 */
const AS_OF = '2025-12-31';
const VILLAGES = ['511325101002', '511325102202'];
const women = [0, 1, 2, 3].map((i) => ({ citizenId: citizenId(`199${i}-0${i + 1}-1${i}`, 'F', 700 + i), name: ['周婷', '吴芳', '孙静', '王丽'][i], sex: 'F' as const, birthDate: `199${i}-0${i + 1}-1${i}` }));
const men = [0, 1, 2].map((i) => ({ citizenId: citizenId(`198${i}-0${i + 3}-0${i + 1}`, 'M', 720 + i), name: ['郑军', '陈伟', '李明'][i], sex: 'M' as const, birthDate: `198${i}-0${i + 3}-0${i + 1}` }));

type Event =
  | { kind: 'registry-card'; w: number; marital: 'unmarried' | 'married' | 'divorced'; h: number; residence: 'resident' | 'moved-out' | 'deceased'; child: boolean; v: number }
  | { kind: 'marriage-record'; w: number; m: number; month: number }
  | { kind: 'hukou-change'; woman: boolean; who: number; change: 'move-in' | 'move-out' | 'death'; month: number }
  | { kind: 'birth-notice'; w: number; month: number; sex: 'M' | 'F' };

const village = (i: number) => VILLAGES[i % 2];
const month = fc.integer({ min: 1, max: 9 });
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    kind: fc.constant('registry-card' as const), w: fc.integer({ min: 0, max: 3 }), marital: fc.constantFrom('unmarried' as const, 'married' as const, 'divorced' as const),
    h: fc.integer({ min: 0, max: 2 }), residence: fc.constantFrom('resident' as const, 'moved-out' as const, 'deceased' as const), child: fc.boolean(), v: fc.constant(0),
  }),
  fc.record({ kind: fc.constant('marriage-record' as const), w: fc.integer({ min: 0, max: 3 }), m: fc.integer({ min: 0, max: 2 }), month }),
  fc.record({ kind: fc.constant('hukou-change' as const), woman: fc.boolean(), who: fc.integer({ min: 0, max: 2 }), change: fc.constantFrom('move-in' as const, 'move-out' as const, 'death' as const), month }),
  fc.record({ kind: fc.constant('birth-notice' as const), w: fc.integer({ min: 0, max: 3 }), month, sex: fc.constantFrom('M' as const, 'F' as const) }),
);
/** A batch: one to three events of one agency. */
const batch = event.chain((first) => fc.array(event.filter((e) => e.kind === first.kind), { maxLength: 2 }).map((rest) => [first, ...rest]));

function records(events: Event[], serial: { n: number; versions: Map<number, number> }): Record<string, unknown>[] {
  return events.map((e) => {
    serial.n += 1;
    const n = serial.n;
    const date = (m: number) => `2025-0${m}-1${n % 10}`;
    switch (e.kind) {
      case 'registry-card': {
        const version = (serial.versions.get(e.w) ?? 0) + 1;
        serial.versions.set(e.w, version);
        const husband = e.marital === 'unmarried' ? undefined : men[e.h];
        return registryCard(n, 90, {
          recordId: `RC-${n}`, cardId: `C-${e.w}`, version, eventDate: date(1), regionCode: village(e.w), woman: { ...women[e.w], hukouRegionCode: village(e.w) },
          maritalStatus: e.marital, marriageDate: e.marital === 'unmarried' ? undefined : '2015-05-01', husband,
          children: e.child ? [{ citizenId: citizenId('2016-03-02', 'M', 740 + e.w), name: '刘子涵', sex: 'M', birthDate: '2016-03-02', birthOrder: 1, policyCompliant: true }] : [],
          residenceStatus: e.residence,
        });
      }
      case 'marriage-record':
        return marriageRecord(n, 90, {
          recordId: `MR-${n}`, eventDate: date(e.month), regionCode: village(e.w), registrationType: 'marriage',
          partyA: { ...men[e.m], hukouRegionCode: village(e.w) }, partyB: { ...women[e.w], hukouRegionCode: village(e.w) },
        });
      case 'hukou-change': {
        const person = e.woman ? women[e.who] : men[e.who];
        return hukouChange(n, 90, { recordId: `HK-${n}`, eventDate: date(e.month), regionCode: village(e.who), changeType: e.change, person });
      }
      case 'birth-notice':
        return birthNotice(n, 90, {
          recordId: `BN-${n}`, eventDate: date(e.month), regionCode: village(e.w),
          child: { sex: e.sex, birthDate: date(e.month), name: '王子涵', birthCertificateNumber: `N${String(510000000 + n).slice(-9)}` },
          mother: { ...women[e.w], hukouRegionCode: village(e.w) }, father: men[e.w % 3], birthOrder: 1,
        });
    }
  });
}

async function hubWith(): Promise<{ ctx: PersistenceContext; service: ReconciliationService; clients: Record<Event['kind'], string> }> {
  const ctx = await startPersistence({ imports: [ReconciliationModule], env: { COUNTY_CODE: '511325' } });
  const repo = ctx.get(ClientRepository);
  const clients = {
    'registry-card': (await repo.create('family-planning', 'fp')).clientId,
    'hukou-change': (await repo.create('public-security', 'ps')).clientId,
    'marriage-record': (await repo.create('civil-affairs', 'ca')).clientId,
    'birth-notice': (await repo.create('health', 'hw')).clientId,
  };
  return { ctx, service: ctx.get(ReconciliationService), clients };
}

/** The open discrepancies, with message ids replaced by the records' ids (each hub gives its own message ids). */
async function openDiscrepancies(ctx: PersistenceContext): Promise<string[]> {
  const messages = new Map((await ctx.sql(`SELECT id, record_id FROM inbound_message`)).map((m) => [m.id as string, m.record_id as string]));
  const rows = await ctx.sql(
    `SELECT key, kind, township_code, region_code, card_id, subject_name, subject, agency_value, registry_value, evidence, due_at
     FROM discrepancy WHERE status = 'open' ORDER BY kind, card_id`,
  );
  return rows
    .map((row) => JSON.stringify(row).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => messages.get(id) ?? id))
    .sort();
}

describe('incremental runs and a full run agree (property, small synthetic county)', () => {
  it('after incremental runs the full run changes nothing, and the discrepancies equal a fresh full run', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 6 }), async (batches) => {
        const a = await hubWith();
        const b = await hubWith();
        try {
          const serialA = { n: 0, versions: new Map<number, number>() };
          const serialB = { n: 0, versions: new Map<number, number>() };
          for (const events of batches) {
            await processRecords(a.ctx, a.clients[events[0].kind], events[0].kind, records(events, serialA));
            const run = await a.service.runIncremental({ trigger: 'intake', asOf: AS_OF });
            expect(run?.mode).toBe('incremental');
            await processRecords(b.ctx, b.clients[events[0].kind], events[0].kind, records(events, serialB));
          }
          const full = await a.service.run({ trigger: 'cli', asOf: AS_OF });
          expect({ raised: full.raised, reopened: full.reopened, changed: full.changed, closed: full.closedByData }).toEqual({ raised: 0, reopened: 0, changed: 0, closed: 0 });
          await b.service.run({ trigger: 'cli', asOf: AS_OF });
          expect(await openDiscrepancies(a.ctx)).toEqual(await openDiscrepancies(b.ctx));
        } finally {
          await a.ctx.close();
          await b.ctx.close();
        }
      }),
      { numRuns: 5, seed: 16, endOnFailure: true },
    );
  }, 300_000);
});
