import { ReconciliationService } from '@sanxian/reconciliation';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../../../test/support/hub-harness';
import { citizenId, hukouChange, marriageRecord, registryCard } from '../../../test/support/record-factory';

/**
 * A small county pushed through the exchange API: in township A (511325101) a woman on an
 * unmarried card whom civil affairs married, and a resident woman whom the police moved out;
 * in township B (511325102) another unmarried card and marriage. The reconciliation service
 * is run in the worker, as the processor runs it.
 */
const A = '511325101';
const B = '511325102';
const VILLAGE = { [A]: '511325101002', [B]: '511325102202' };
const AS_OF = '2025-12-31';

const woman = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'F', serial), name, sex: 'F' as const, birthDate });
const man = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'M', serial), name, sex: 'M' as const, birthDate });
const wifeA = woman('周婷', '1995-03-04', 301);
const husbandA = man('郑军', '1993-01-01', 302);
const movedA = woman('吴芳', '1992-07-08', 303);
const wifeB = woman('孙静', '1994-02-03', 304);

const card = (cardId: string, region: string, w: ReturnType<typeof woman>, overrides: Record<string, unknown>) =>
  registryCard(1, 31, { recordId: `RC-${cardId}-v1`, cardId, eventDate: '2025-01-10', regionCode: region, woman: { ...w, hukouRegionCode: region }, children: [], residenceStatus: 'resident', ...overrides });
const unmarried = { maritalStatus: 'unmarried', husband: undefined, marriageDate: undefined };

describe('ReconciliationService (a run on a small county)', () => {
  let hub: Hub;
  let service: ReconciliationService;
  const clients = {} as Record<'fp' | 'police' | 'civil', TestClient>;
  let sent = 0;

  const push = async (client: TestClient, path: string, records: unknown[]) => {
    const res = await send(hub.url, client, 'POST', `/v1/exchange/${path}`, { records });
    const body = await res.json();
    expect([res.status, body.rejected]).toEqual([202, 0]);
    sent += body.accepted;
    await waitUntilProcessed(hub, sent);
  };
  const discrepancies = () => hub.sql(`SELECT id, key, kind, status, township_code, card_id, subject_name, raised_by_run::text, last_seen_run::text, closed_at FROM discrepancy ORDER BY key`);

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    service = hub.worker!.get(ReconciliationService);
    clients.fp = await hub.createClient('family-planning');
    clients.police = await hub.createClient('public-security');
    clients.civil = await hub.createClient('civil-affairs');
    await push(clients.fp, 'registry-cards', [
      card('C-A-M', VILLAGE[A], wifeA, unmarried),
      card('C-A-R', VILLAGE[A], movedA, { maritalStatus: 'married', husband: man('李明', '1990-01-01', 305) }),
      card('C-B-M', VILLAGE[B], wifeB, unmarried),
    ]);
    await push(clients.civil, 'marriage-records', [
      marriageRecord(1, 31, { recordId: 'MR-A', eventDate: '2025-06-01', regionCode: VILLAGE[A], registrationType: 'marriage', partyA: husbandA, partyB: wifeA }),
      marriageRecord(2, 31, { recordId: 'MR-B', eventDate: '2025-06-02', regionCode: VILLAGE[B], registrationType: 'marriage', partyA: man('陈伟', '1992-05-05', 306), partyB: wifeB }),
    ]);
    await push(clients.police, 'hukou-changes', [
      hukouChange(1, 31, { recordId: 'HK-A', eventDate: '2025-08-01', regionCode: VILLAGE[A], changeType: 'move-out', person: movedA }),
    ]);
  });
  afterAll(() => hub?.close());

  it('raises the discrepancies the data holds, in the townships that own them, and records the run', async () => {
    const summary = await service.run({ trigger: 'cli', asOf: AS_OF });
    expect(summary).toMatchObject({ asOf: AS_OF, townshipCode: null, cards: 3, raised: 3, reopened: 0, changed: 0, closedByData: 0 });
    expect(summary.found).toEqual({ 'marital-status-conflict': 2, 'moved-out-still-registered': 1 });
    expect(summary.links.link).toBeGreaterThanOrEqual(3);
    expect(summary.links.written).toBe(summary.facts);

    const rows = await discrepancies();
    expect(rows.map((d) => [d.kind, d.status, d.township_code, d.card_id, d.subject_name, d.raised_by_run])).toEqual(
      expect.arrayContaining([
        ['marital-status-conflict', 'open', A, 'C-A-M', '周婷', summary.runId],
        ['moved-out-still-registered', 'open', A, 'C-A-R', '吴芳', summary.runId],
        ['marital-status-conflict', 'open', B, 'C-B-M', '孙静', summary.runId],
      ]),
    );
    expect(rows).toHaveLength(3);

    const [run] = await hub.sql(`SELECT id::text, trigger, status, township_code, as_of, finished_at, counts, error FROM reconciliation_run WHERE id = $1`, [summary.runId]);
    expect(run).toMatchObject({ trigger: 'cli', status: 'done', township_code: null, as_of: AS_OF, error: null, finished_at: expect.any(Date) });
    expect(run.counts).toMatchObject({ raised: 3, found: summary.found, runId: summary.runId });

    // The senders of the evidence are told, once per message.
    const told = await hub.sql(`SELECT client_id, record_id FROM exchange_receipt WHERE type = 'discrepancy-raised' ORDER BY record_id`);
    expect(told.map((r) => [r.client_id, r.record_id])).toEqual(expect.arrayContaining([
      [clients.police.clientId, 'HK-A'], [clients.civil.clientId, 'MR-A'], [clients.civil.clientId, 'MR-B'],
    ]));
  });

  it('a second run on the same data changes nothing', async () => {
    const before = await discrepancies();
    const links = await hub.sql(`SELECT fact_id, decision, person_key, updated_at FROM person_link ORDER BY fact_id`);
    const receipts = await hub.sql(`SELECT count(*)::int AS n FROM exchange_receipt`);
    const summary = await service.run({ trigger: 'on-demand', asOf: AS_OF });
    expect(summary).toMatchObject({ raised: 0, reopened: 0, changed: 0, closedByData: 0, byKind: {} });
    expect(summary.links.written).toBe(0);
    expect(await discrepancies()).toEqual(before);
    expect(await hub.sql(`SELECT fact_id, decision, person_key, updated_at FROM person_link ORDER BY fact_id`)).toEqual(links);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM exchange_receipt`)).toEqual(receipts);
    expect(await hub.sql(`SELECT count(*)::int AS n FROM reconciliation_run WHERE status = 'done'`)).toEqual([{ n: 2 }]);
  });

  it('a township run closes what the data no longer shows in that township only, and reopens it when it returns', async () => {
    // The bureau's card now says married: A's conflict is gone from the data; B's card is unchanged.
    await push(clients.fp, 'registry-cards', [
      card('C-A-M', VILLAGE[A], wifeA, { recordId: 'RC-C-A-M-v2', version: 2, eventDate: '2025-07-01', maritalStatus: 'married', marriageDate: '2025-06-01', husband: husbandA }),
      card('C-B-M', VILLAGE[B], wifeB, { recordId: 'RC-C-B-M-v2', version: 2, eventDate: '2025-07-02', maritalStatus: 'married', marriageDate: '2025-06-02', husband: man('陈伟', '1992-05-05', 306) }),
    ]);
    const onlyA = await service.run({ trigger: 'on-demand', townshipCode: A, asOf: AS_OF });
    expect(onlyA).toMatchObject({ townshipCode: A, raised: 0, closedByData: 1, byKind: { 'marital-status-conflict': { raised: 0, closed: 1 } } });
    expect(onlyA.found).toEqual({ 'moved-out-still-registered': 1 });
    const byCard = Object.fromEntries((await discrepancies()).map((d) => [d.card_id, d]));
    expect(byCard['C-A-M']).toMatchObject({ status: 'resolved-by-data', closed_at: expect.any(Date), last_seen_run: onlyA.runId });
    expect(byCard['C-A-R'].status).toBe('open');
    // B's card changed too, but a run of township A does not touch B.
    expect(byCard['C-B-M']).toMatchObject({ status: 'open', closed_at: null });
    const resolved = await hub.sql(`SELECT client_id, record_id, detail FROM exchange_receipt WHERE type = 'resolved'`);
    expect(resolved).toEqual([{ client_id: clients.civil.clientId, record_id: 'MR-A', detail: expect.objectContaining({ discrepancyId: byCard['C-A-M'].id, status: 'resolved-by-data' }) }]);

    // A later version puts the card back as it stood before the marriage: the same discrepancy opens again, not a new one.
    await push(clients.fp, 'registry-cards', [card('C-A-M', VILLAGE[A], wifeA, { ...unmarried, recordId: 'RC-C-A-M-v3', version: 3, eventDate: '2025-05-15' })]);
    const again = await service.run({ trigger: 'on-demand', townshipCode: A, asOf: AS_OF });
    expect(again).toMatchObject({ raised: 0, reopened: 1, closedByData: 0 });
    const reopened = (await discrepancies()).find((d) => d.card_id === 'C-A-M')!;
    expect(reopened).toMatchObject({ id: byCard['C-A-M'].id, status: 'open', closed_at: null });
  });
});
