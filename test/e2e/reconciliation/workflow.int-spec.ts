import { ReconciliationService } from '@sanxian/reconciliation';
import { AgencyClients, Hub, TestClient, createAgencyClients, send, startHub, waitFor, waitUntilProcessed } from '../../support/hub-harness';
import { birthNotice, citizenId, hukouChange, marriageRecord, registryCard } from '../../support/record-factory';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';

/**
 * The discrepancy workflow over HTTP, on data pushed through the exchange API: two townships
 * (A: 多扶镇 511325101, B: 511325102), each with a marital-status conflict, a woman moved out
 * but still registered, and a birth notice whose mother (no id) fits two sisters equally — a
 * link review and an unlinked-record discrepancy.
 */
const A = '511325101';
const B = '511325102';
const VILLAGE = { [A]: '511325101002', [B]: '511325102202' } as const;
const AS_OF = '2025-12-31';
const PASSWORD = 'workflow-test-password';
const MASKED = /^511325\*{8}\d{3}[\dX]$/;

type Township = typeof A | typeof B;
const woman = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'F', serial), name, sex: 'F' as const, birthDate });
const man = (name: string, birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, 'M', serial), name, sex: 'M' as const, birthDate });

/** Per township: who is on which card, and what the agencies say about them. */
function scenario(t: Township, base: number) {
  const tag = t === A ? 'A' : 'B';
  const region = VILLAGE[t];
  const unmarried = woman(t === A ? '周婷' : '孙静', t === A ? '1995-03-04' : '1994-02-03', base + 1);
  const resident = woman(t === A ? '吴芳' : '胡秀英', t === A ? '1992-07-08' : '1991-09-10', base + 2);
  const [sister1, sister2, mother] = t === A ? ['王丽', '王莉', '王俐'] : ['陈静', '陈婧', '陈菁'];
  const sistersBorn = t === A ? '1990-05-01' : '1989-11-12';
  const card = (id: string, w: ReturnType<typeof woman>, overrides: Record<string, unknown>) =>
    registryCard(base, 7, { recordId: `RC-${id}`, cardId: id, eventDate: '2025-01-10', regionCode: region, woman: { ...w, hukouRegionCode: region }, children: [], residenceStatus: 'resident', ...overrides });
  return {
    cards: [
      card(`C-${tag}-M`, unmarried, { maritalStatus: 'unmarried', husband: undefined, marriageDate: undefined }),
      card(`C-${tag}-R`, resident, { maritalStatus: 'married', husband: man('郑明', '1990-01-01', base + 3) }),
      card(`C-${tag}-L1`, woman(sister1, sistersBorn, base + 4), { maritalStatus: 'married', husband: man('李军', '1988-01-01', base + 5) }),
      card(`C-${tag}-L2`, woman(sister2, sistersBorn, base + 6), { maritalStatus: 'married', husband: man('赵强', '1988-02-01', base + 7) }),
    ],
    marriage: marriageRecord(base, 7, {
      recordId: `MR-${tag}`, eventDate: '2025-06-01', regionCode: region, registrationType: 'marriage',
      partyA: man('郑军', '1993-01-01', base + 8), partyB: unmarried,
    }),
    moveOut: hukouChange(base, 7, { recordId: `HK-${tag}`, eventDate: '2025-08-01', regionCode: region, changeType: 'move-out', person: resident }),
    notice: birthNotice(base, 7, {
      recordId: `BN-${tag}`, eventDate: '2025-06-01', regionCode: region,
      child: { sex: 'M', birthDate: '2025-06-01' },
      mother: { name: mother, sex: 'F', birthDate: sistersBorn },
      father: man('张伟', '1985-01-01', base + 9),
      birthOrder: 1,
    }),
    unmarried, resident,
  };
}

describe('the discrepancy workflow API', () => {
  let hub: Hub;
  let clients: AgencyClients;
  const users = {} as Record<'admin' | 'county' | 'townA' | 'townB' | 'villageA' | 'otherVillageA' | 'inspector' | 'department', { id: string; token: string }>;
  const scenarios = { [A]: scenario(A, 100), [B]: scenario(B, 200) };
  /** Discrepancy ids by township and kind. */
  const ids = { [A]: {} as Record<string, string>, [B]: {} as Record<string, string> };
  const reviews = {} as Record<Township, string>;

  const call = staffCaller(() => hub, users);
  const json = expectJson;
  const receipts = async (client: TestClient) => (await json(await send(hub.url, client, 'GET', '/v1/exchange/receipts?limit=1000'), 200)).items as any[];
  const reconcile = () => hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: AS_OF });

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    clients = await createAgencyClients(hub);

    await signInStaff(hub, 'wf', PASSWORD, [
      ['admin', 'admin', null], ['county', 'county', null], ['townA', 'township', A], ['townB', 'township', B], ['villageA', 'township', VILLAGE[A]], ['otherVillageA', 'township', `${A}003`], ['inspector', 'inspector', null],
      ['department', 'department', null],
    ], users);

    const push = async (client: TestClient, path: string, records: unknown[]) => {
      const body = await json(await send(hub.url, client, 'POST', `/v1/exchange/${path}`, { records }), 202);
      expect([path, body.rejected, body.results?.filter((r: any) => r.errors?.length)]).toEqual([path, 0, []]);
    };
    const all = [scenarios[A], scenarios[B]];
    await push(clients.fp, 'registry-cards', all.flatMap((s) => s.cards));
    await push(clients.civil, 'marriage-records', all.map((s) => s.marriage));
    await push(clients.police, 'hukou-changes', all.map((s) => s.moveOut));
    await push(clients.health, 'birth-notices', all.map((s) => s.notice));
    await waitUntilProcessed(hub, 14);
    await reconcile();

    for (const t of [A, B] as const) {
      for (const row of await hub.sql(`SELECT id, kind FROM discrepancy WHERE township_code = $1`, [t])) ids[t][row.kind] = row.id;
      const [review] = await hub.sql(`SELECT fact_id FROM person_link WHERE review_status = 'pending' AND township_code = $1`, [t]);
      reviews[t] = String(review.fact_id);
    }
  });
  afterAll(() => hub?.close());

  it('finds, in each township, the three discrepancies the data holds', () => {
    for (const t of [A, B] as const) {
      expect(Object.keys(ids[t]).sort()).toEqual(['marital-status-conflict', 'moved-out-still-registered', 'unlinked-record']);
      expect(reviews[t]).toMatch(/^\d+$/);
    }
  });

  it('answers 401 without a token on every endpoint', async () => {
    const someId = ids[A]['marital-status-conflict'];
    const endpoints: [string, string][] = [
      ['GET', '/v1/discrepancies'], ['GET', `/v1/discrepancies/${someId}`], ['GET', '/v1/discrepancies/counts'],
      ['POST', `/v1/discrepancies/${someId}/resolution`], ['POST', `/v1/discrepancies/${someId}/assignment`], ['POST', '/v1/discrepancies/assignment'],
      ['GET', '/v1/link-reviews'], ['GET', `/v1/link-reviews/${reviews[A]}`], ['POST', `/v1/link-reviews/${reviews[A]}/decision`],
      ['GET', '/v1/reconciliations'], ['POST', '/v1/reconciliations'],
    ];
    for (const [method, path] of endpoints) {
      const res = await call(null, method, path, method === 'POST' ? {} : undefined);
      expect([method, path, res.status]).toEqual([method, path, 401]);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('documents the staff endpoints in the OpenAPI document', async () => {
    const { paths } = await json(await fetch(`${hub.url}/docs/openapi.json`), 200);
    for (const path of [
      '/v1/discrepancies', '/v1/discrepancies/counts', '/v1/discrepancies/{id}', '/v1/discrepancies/{id}/resolution', '/v1/discrepancies/{id}/assignment',
      '/v1/discrepancies/assignment', '/v1/link-reviews', '/v1/link-reviews/{id}', '/v1/link-reviews/{id}/decision', '/v1/reconciliations',
    ]) {
      expect(Object.keys(paths)).toContain(path);
    }
    expect(paths['/v1/discrepancies/{id}/resolution'].post.security).toEqual([{ bearer: [] }]);
  });

  describe('lists', () => {
    it('shows a township user only their township, with ids masked', async () => {
      const body = await json(await call('townA', 'GET', '/v1/discrepancies'), 200);
      expect(body.nextCursor).toBeNull();
      expect(body.items).toHaveLength(3);
      for (const item of body.items) {
        expect(item).toMatchObject({ townshipCode: A, status: 'open', assignee: null, regionCode: VILLAGE[A] });
        expect(Object.keys(item).sort()).toEqual(['assignee', 'cardId', 'dueAt', 'id', 'kind', 'overdue', 'raisedAt', 'regionCode', 'status', 'subject', 'townshipCode'].sort());
      }
      const marital = body.items.find((i: any) => i.kind === 'marital-status-conflict');
      expect(marital.subject).toEqual({ citizenId: expect.stringMatching(MASKED), name: scenarios[A].unmarried.name });
      expect(marital.subject.citizenId.slice(-4)).toBe(scenarios[A].unmarried.citizenId.slice(-4));
      expect(JSON.stringify(body)).not.toContain(scenarios[A].unmarried.citizenId);

      // Asking for the other township's villages is no way around the scope: it is in the query.
      expect((await json(await call('townA', 'GET', `/v1/discrepancies?regionCode=${VILLAGE[B]}`), 200)).items).toEqual([]);
      expect((await json(await call('townB', 'GET', '/v1/discrepancies'), 200)).items.map((i: any) => i.townshipCode)).toEqual([B, B, B]);
    });

    it('shows a village user their village only: not another village of their township, not another township', async () => {
      const own = await json(await call('villageA', 'GET', '/v1/discrepancies'), 200);
      expect(own.items).toHaveLength(3);
      expect(own.items.every((i: any) => i.regionCode === VILLAGE[A])).toBe(true);
      expect((await json(await call('otherVillageA', 'GET', '/v1/discrepancies'), 200)).items).toEqual([]);
      await json(await call('otherVillageA', 'GET', `/v1/discrepancies/${own.items[0].id}`), 404);
      expect((await json(await call('villageA', 'GET', `/v1/discrepancies?regionCode=${VILLAGE[B]}`), 200)).items).toEqual([]);
      await json(await call('villageA', 'GET', `/v1/discrepancies/${ids[B]['marital-status-conflict']}`), 404);
      expect((await json(await call('villageA', 'GET', '/v1/discrepancies/counts'), 200)).byTownship.map((t: any) => t.townshipCode)).toEqual([A]);
      // The link review of A's birth notice is the village's too; a village user may not start a township's run.
      expect((await json(await call('villageA', 'GET', '/v1/link-reviews'), 200)).items.length).toBe((await json(await call('townA', 'GET', '/v1/link-reviews'), 200)).items.length);
      expect((await json(await call('otherVillageA', 'GET', '/v1/link-reviews'), 200)).items).toEqual([]);
      await json(await call('villageA', 'POST', '/v1/reconciliations', {}), 403);
    });

    it('shows the county everything, filtered and paged by a cursor', async () => {
      const all = await json(await call('county', 'GET', '/v1/discrepancies'), 200);
      expect(all.items).toHaveLength(6);
      const ordered = [...all.items].sort((a: any, b: any) => (a.dueAt + a.id < b.dueAt + b.id ? -1 : 1));
      expect(all.items.map((i: any) => i.id)).toEqual(ordered.map((i: any) => i.id));

      const first = await json(await call('county', 'GET', '/v1/discrepancies?limit=4'), 200);
      expect(first.items).toHaveLength(4);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await json(await call('county', 'GET', `/v1/discrepancies?limit=4&cursor=${encodeURIComponent(first.nextCursor)}`), 200);
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
      expect([...first.items, ...second.items].map((i: any) => i.id)).toEqual(all.items.map((i: any) => i.id));

      const byKind = await json(await call('county', 'GET', '/v1/discrepancies?kind=moved-out-still-registered'), 200);
      expect(byKind.items.map((i: any) => i.id).sort()).toEqual([ids[A]['moved-out-still-registered'], ids[B]['moved-out-still-registered']].sort());
      expect((await json(await call('county', 'GET', `/v1/discrepancies?regionCode=${B}`), 200)).items).toHaveLength(3);
      expect((await json(await call('county', 'GET', '/v1/discrepancies?status=resolved'), 200)).items).toHaveLength(0);

      // Due dates of a run as of 2025 are long past: all overdue, but one that is not yet due.
      await hub.sql(`UPDATE discrepancy SET due_at = (now() AT TIME ZONE 'Asia/Shanghai')::date + 10 WHERE id = $1`, [ids[B]['unlinked-record']]);
      const overdue = await json(await call('county', 'GET', '/v1/discrepancies?overdue=true'), 200);
      expect(overdue.items).toHaveLength(5);
      expect(overdue.items.every((i: any) => i.overdue)).toBe(true);
      expect((await json(await call('county', 'GET', '/v1/discrepancies?overdue=false'), 200)).items.map((i: any) => i.id)).toEqual([ids[B]['unlinked-record']]);
    });

    it('refuses bad parameters with a 400 naming each', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'], ['limit=501', 'limit'], ['limit=abc', 'limit'], ['cursor=garbage', 'cursor'], ['status=closed', 'status'],
        ['kind=nonsense', 'kind'], ['overdue=yes', 'overdue'], ['assignee=bob', 'assignee'], ['regionCode=5113', 'regionCode'],
      ]) {
        const res = await call('county', 'GET', `/v1/discrepancies?${query}`);
        const body = await json(res, 400);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(body.errors).toEqual([expect.objectContaining({ field })]);
        expect(body.detail).toContain(field);
      }
    });
  });

  describe('detail', () => {
    it('shows both values, the evidence records and the card, with the full id, and audits the read', async () => {
      const id = ids[A]['marital-status-conflict'];
      const body = await json(await call('townA', 'GET', `/v1/discrepancies/${id}`), 200);
      const { unmarried } = scenarios[A];
      expect(body).toMatchObject({
        id, kind: 'marital-status-conflict', status: 'open', townshipCode: A, cardId: 'C-A-M',
        subject: { citizenId: unmarried.citizenId, name: unmarried.name },
        agencyValue: 'married', registryValue: 'unmarried', resolution: null,
        card: { cardId: 'C-A-M', maritalStatus: 'unmarried', woman: expect.objectContaining({ citizenId: unmarried.citizenId }) },
        history: [expect.objectContaining({ event: 'raised' })],
      });
      expect(body.evidence.messages).toEqual([
        expect.objectContaining({ agency: 'civil-affairs', clientId: clients.civil.clientId, kind: 'marriage-record', recordId: 'MR-A', record: expect.objectContaining({ recordId: 'MR-A', registrationType: 'marriage' }) }),
      ]);

      const [entry] = await hub.sql(`SELECT * FROM audit_log WHERE action = 'discrepancy.read' AND target = $1`, [id]);
      expect(entry).toMatchObject({ user_id: users.townA.id, username: 'wf-townA' });
      expect(entry.detail.citizenIds).toContain(unmarried.citizenId);
      // The marriage record names her husband too: his id was shown, so it is on record.
      expect(entry.detail.citizenIds).toContain((scenarios[A].marriage.partyA as { citizenId: string }).citizenId);
    });

    it("answers 404 for another township's discrepancy or an unknown id, 400 for a malformed one", async () => {
      const res = await call('townA', 'GET', `/v1/discrepancies/${ids[B]['marital-status-conflict']}`);
      await json(res, 404);
      await json(await call('townA', 'GET', '/v1/discrepancies/00000000-0000-4000-8000-000000000000'), 404);
      const bad = await json(await call('townA', 'GET', '/v1/discrepancies/not-a-uuid'), 400);
      expect(bad.errors).toEqual([{ field: 'id', message: 'must be a UUID' }]);
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'discrepancy.read' AND target = $1`, [ids[B]['marital-status-conflict']]);
      expect(n).toBe(0);
    });
  });

  describe('assignment', () => {
    it('lets county staff assign inside the assignee township only, and lists by assignee', async () => {
      const id = ids[A]['moved-out-still-registered'];
      const res = await call('county', 'POST', `/v1/discrepancies/${id}/assignment`, { assigneeId: users.townB.id });
      expect((await json(res, 422)).detail).toMatch(/outside/);
      expect((await json(await call('county', 'POST', `/v1/discrepancies/${id}/assignment`, { assigneeId: users.inspector.id }), 422)).detail).toMatch(/inspector/);
      expect((await json(await call('county', 'POST', `/v1/discrepancies/${id}/assignment`, { assigneeId: '00000000-0000-4000-8000-000000000000' }), 422)).detail).toMatch(/no enabled staff user/);

      const assigned = await json(await call('county', 'POST', `/v1/discrepancies/${id}/assignment`, { assigneeId: users.townA.id }), 200);
      expect(assigned).toEqual({ ids: [id], assignee: { id: users.townA.id, username: 'wf-townA' } });
      const mine = await json(await call('townA', 'GET', '/v1/discrepancies?assignee=me'), 200);
      expect(mine.items).toEqual([expect.objectContaining({ id, assignee: { id: users.townA.id, username: 'wf-townA' } })]);
      expect((await json(await call('townA', 'GET', '/v1/discrepancies?assignee=none'), 200)).items).toHaveLength(2);
      expect((await json(await call('county', 'GET', `/v1/discrepancies?assignee=${users.townA.id}`), 200)).items).toHaveLength(1);

      const [audit] = await hub.sql(`SELECT * FROM audit_log WHERE action = 'discrepancy.assign' AND target = $1`, [id]);
      expect(audit).toMatchObject({ username: 'wf-county', detail: { assignee: { id: users.townA.id, username: 'wf-townA' } } });
    });

    it('assigns in bulk, all or none', async () => {
      const bulk = [ids[B]['marital-status-conflict'], ids[B]['moved-out-still-registered']];
      const mixed = [...bulk, ids[A]['marital-status-conflict']];
      await json(await call('county', 'POST', '/v1/discrepancies/assignment', { ids: mixed, assigneeId: users.townB.id }), 422);
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM discrepancy WHERE assignee_id IS NOT NULL`);
      expect(n).toBe(1);
      const done = await json(await call('admin', 'POST', '/v1/discrepancies/assignment', { ids: bulk, assigneeId: users.townB.id }), 200);
      expect(done.ids).toEqual(bulk);
      expect((await json(await call('townB', 'GET', '/v1/discrepancies?assignee=me'), 200)).items.map((i: any) => i.id).sort()).toEqual([...bulk].sort());
      const unassigned = await json(await call('county', 'POST', '/v1/discrepancies/assignment', { ids: [bulk[1]], assigneeId: null }), 200);
      expect(unassigned.assignee).toBeNull();
    });

    it('is for county staff: township users get 403, bad bodies 400 naming the field', async () => {
      const own = ids[A]['marital-status-conflict'];
      await json(await call('townA', 'POST', `/v1/discrepancies/${own}/assignment`, { assigneeId: users.townA.id }), 403);
      await json(await call('townA', 'POST', `/v1/discrepancies/${ids[B]['marital-status-conflict']}/assignment`, { assigneeId: users.townA.id }), 403);
      await json(await call('townA', 'POST', '/v1/discrepancies/assignment', { ids: [own], assigneeId: null }), 403);
      expect((await json(await call('county', 'POST', `/v1/discrepancies/${own}/assignment`, { assigneeId: 'bob' }), 400)).errors[0].field).toBe('assigneeId');
      expect((await json(await call('county', 'POST', `/v1/discrepancies/${own}/assignment`, {}), 400)).errors).toEqual([{ field: 'assigneeId', message: 'is required' }]);
      expect((await json(await call('county', 'POST', '/v1/discrepancies/assignment', { ids: [], assigneeId: null }), 400)).errors[0].field).toBe('ids');
      await json(await call('county', 'POST', '/v1/discrepancies/00000000-0000-4000-8000-000000000000/assignment', { assigneeId: null }), 404);
    });
  });

  describe('resolution', () => {
    const path = (t: Township, kind: string) => `/v1/discrepancies/${ids[t][kind]}/resolution`;

    it('refuses bad bodies with a 400 naming the field, and roles that may not act with a 403', async () => {
      const target = path(A, 'marital-status-conflict');
      expect((await json(await call('townA', 'POST', target, { action: 'accept-agency' }), 400)).errors).toEqual([{ field: 'comment', message: 'is required' }]);
      expect((await json(await call('townA', 'POST', target, { action: 'accept-agency', comment: '   ' }), 400)).errors).toEqual([{ field: 'comment', message: 'must not be blank' }]);
      const badAction = await json(await call('townA', 'POST', target, { action: 'accept', comment: 'ok' }), 400);
      expect(badAction.errors).toEqual([expect.objectContaining({ field: 'action' })]);
      expect(badAction.detail).toMatch(/^action: must be one of/);
      expect((await json(await call('townA', 'POST', target, 'accept-agency'), 400)).errors[0].field).toBe('body');
      await json(await call('inspector', 'POST', target, { action: 'dismiss', comment: 'no' }), 403);
      await json(await call('department', 'POST', target, { action: 'dismiss', comment: 'no' }), 403);
      await json(await call('townB', 'POST', target, { action: 'dismiss', comment: 'not mine' }), 404);
      const [row] = await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [ids[A]['marital-status-conflict']]);
      expect(row.status).toBe('open');
    });

    it('accept-agency corrects the registry and sends a correction to the family-planning client', async () => {
      const id = ids[A]['marital-status-conflict'];
      const body = await json(await call('townA', 'POST', path(A, 'marital-status-conflict'), { action: 'accept-agency', comment: '民政登记为准' }), 200);
      expect(body).toMatchObject({
        id, status: 'resolved', change: { op: 'set-card', cardId: 'C-A-M', maritalStatus: 'married' },
        resolution: { action: 'accept-agency', comment: '民政登记为准', by: { id: users.townA.id, username: 'wf-townA' }, at: expect.any(String) },
      });
      const [card] = await hub.sql(`SELECT marital_status, updated_at > now() - interval '1 minute' AS touched FROM registry_woman WHERE card_id = 'C-A-M'`);
      expect(card).toEqual({ marital_status: 'married', touched: true });
      const [correction] = await hub.sql(`SELECT * FROM registry_correction WHERE discrepancy_id = $1`, [id]);
      expect(correction).toMatchObject({ card_id: 'C-A-M', staff_id: users.townA.id, change: { op: 'set-card', maritalStatus: 'married' } });

      const fp = await receipts(clients.fp);
      const sent = fp.filter((r) => r.type === 'correction');
      expect(sent).toEqual([
        expect.objectContaining({ recordId: 'RC-C-A-M', detail: { discrepancyId: id, kind: 'marital-status-conflict', change: body.change, comment: '民政登记为准' } }),
      ]);
      const civil = await receipts(clients.civil);
      expect(civil.filter((r) => r.type === 'resolved' && r.detail.discrepancyId === id)).toEqual([
        expect.objectContaining({ recordId: 'MR-A', detail: { discrepancyId: id, kind: 'marital-status-conflict', action: 'accept-agency' } }),
      ]);
      const [audit] = await hub.sql(`SELECT * FROM audit_log WHERE action = 'discrepancy.resolve' AND target = $1`, [id]);
      expect(audit).toMatchObject({ user_id: users.townA.id, detail: { action: 'accept-agency', comment: '民政登记为准' } });

      // Only open discrepancies can be resolved.
      await json(await call('county', 'POST', path(A, 'marital-status-conflict'), { action: 'dismiss', comment: 'again' }), 409);
      const detail = await json(await call('townA', 'GET', `/v1/discrepancies/${id}`), 200);
      expect(detail.history.map((h: any) => h.event)).toEqual(['raised', 'resolve']);
    });

    it('keep-registry disputes the agency value in that agency\'s receipts and leaves the registry alone', async () => {
      const id = ids[B]['moved-out-still-registered'];
      await json(await call('townB', 'POST', path(B, 'moved-out-still-registered'), { action: 'keep-registry', comment: '户籍迁出有误,本人仍在本村居住' }), 200);
      const [card] = await hub.sql(`SELECT residence_status FROM registry_woman WHERE card_id = 'C-B-R'`);
      expect(card.residence_status).toBe('resident');
      const police = await receipts(clients.police);
      expect(police.filter((r) => r.type === 'disputed')).toEqual([
        expect.objectContaining({ recordId: 'HK-B', detail: { discrepancyId: id, kind: 'moved-out-still-registered', registryValue: 'resident', comment: '户籍迁出有误,本人仍在本村居住' } }),
      ]);
      expect(police.filter((r) => r.type === 'resolved').map((r) => r.recordId)).toEqual(['HK-B']);
      expect((await receipts(clients.fp)).filter((r) => r.type === 'disputed')).toEqual([]);
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM registry_correction WHERE discrepancy_id = $1`, [id]);
      expect(n).toBe(0);
    });

    it('accept-agency of a move-out records the woman as moved out; an unlinked record cannot be corrected (422)', async () => {
      await json(await call('county', 'POST', path(A, 'moved-out-still-registered'), { action: 'accept-agency', comment: '已迁出' }), 200);
      const [card] = await hub.sql(`SELECT residence_status FROM registry_woman WHERE card_id = 'C-A-R'`);
      expect(card.residence_status).toBe('moved-out');
      const refused = await json(await call('townA', 'POST', path(A, 'unlinked-record'), { action: 'accept-agency', comment: 'x' }), 422);
      expect(refused.detail).toMatch(/link review/);
      const [row] = await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [ids[A]['unlinked-record']]);
      expect(row.status).toBe('open');
    });
  });

  describe('counts', () => {
    it('counts by kind, status and township, in the user\'s scope', async () => {
      const townA = await json(await call('townA', 'GET', '/v1/discrepancies/counts'), 200);
      expect(townA).toEqual({
        byKind: { 'unlinked-record': 1 },
        byStatus: { open: 1, resolved: 2, 'resolved-by-data': 0, dismissed: 0 },
        byTownship: [{ townshipCode: A, open: 1, overdue: 1, closed: 2 }],
      });
      const county = await json(await call('county', 'GET', '/v1/discrepancies/counts'), 200);
      expect(county.byStatus).toEqual({ open: 3, resolved: 3, 'resolved-by-data': 0, dismissed: 0 });
      expect(county.byKind).toEqual({ 'unlinked-record': 2, 'marital-status-conflict': 1 });
      expect(county.byTownship).toEqual([
        { townshipCode: A, open: 1, overdue: 1, closed: 2 },
        { townshipCode: B, open: 2, overdue: 1, closed: 1 },
      ]);
    });
  });

  describe('link reviews', () => {
    it('lists the township\'s pending reviews with the person proposed, ids masked', async () => {
      const body = await json(await call('townA', 'GET', '/v1/link-reviews'), 200);
      expect(body.nextCursor).toBeNull();
      expect(body.items).toEqual([
        {
          id: reviews[A], status: 'pending', townshipCode: A, score: expect.any(Number), method: 'probabilistic',
          candidate: { personKey: 'C-A-L1#woman', cardId: 'C-A-L1', cardRole: 'woman', citizenId: expect.stringMatching(MASKED), name: '王丽' },
          record: { messageId: expect.any(String), kind: 'birth-notice', role: 'mother', name: '王俐', citizenId: null },
          weights: expect.objectContaining({ name: { level: 'homophone', weight: expect.any(Number) }, birthDate: expect.objectContaining({ level: 'exact' }) }),
        },
      ]);
      const county = await json(await call('county', 'GET', '/v1/link-reviews?limit=1'), 200);
      expect(county.items).toHaveLength(1);
      const next = await json(await call('county', 'GET', `/v1/link-reviews?limit=1&cursor=${county.nextCursor}`), 200);
      expect([county.items[0].id, next.items[0].id].sort()).toEqual([reviews[A], reviews[B]].sort());
      // Likeliest first: by score, then by id.
      const pair = [county.items[0], next.items[0]];
      expect(pair).toEqual([...pair].sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity) || Number(a.id) - Number(b.id)));
      expect((await json(await call('county', 'GET', '/v1/link-reviews?status=maybe'), 400)).errors[0].field).toBe('status');
    });

    it('shows the record beside the registry person, with the weights, and audits the full ids', async () => {
      const body = await json(await call('townA', 'GET', `/v1/link-reviews/${reviews[A]}`), 200);
      const sister = (scenarios[A].cards[2] as any).woman;
      expect(body).toMatchObject({
        id: reviews[A], status: 'pending', decision: 'review',
        record: { kind: 'birth-notice', role: 'mother', name: '王俐', birthDate: '1990-05-01', regionCode: VILLAGE[A], recordId: 'BN-A', relativeName: '张伟' },
        registryPerson: { personKey: 'C-A-L1#woman', cardId: 'C-A-L1', citizenId: sister.citizenId, name: '王丽', birthDate: '1990-05-01', relativeName: '李军' },
        runnerUp: expect.objectContaining({ personId: 'C-A-L2#woman' }),
        discrepancyId: ids[A]['unlinked-record'],
      });
      const [entry] = await hub.sql(`SELECT * FROM audit_log WHERE action = 'link-review.read' AND target = $1`, [reviews[A]]);
      expect(entry.detail.citizenIds).toEqual([sister.citizenId]);
      await json(await call('townA', 'GET', `/v1/link-reviews/${reviews[B]}`), 404);
      expect((await json(await call('townA', 'GET', '/v1/link-reviews/x1'), 400)).errors[0].field).toBe('id');
    });

    it('confirms or rejects, closing the unlinked-record discrepancy; never across townships', async () => {
      await json(await call('townA', 'POST', `/v1/link-reviews/${reviews[B]}/decision`, { decision: 'confirm', comment: '同一人' }), 404);
      expect((await json(await call('townA', 'POST', `/v1/link-reviews/${reviews[A]}/decision`, { decision: 'yes', comment: 'x' }), 400)).errors[0].field).toBe('decision');
      expect((await json(await call('townA', 'POST', `/v1/link-reviews/${reviews[A]}/decision`, { decision: 'confirm' }), 400)).errors[0].field).toBe('comment');
      await json(await call('inspector', 'POST', `/v1/link-reviews/${reviews[A]}/decision`, { decision: 'confirm', comment: 'x' }), 403);

      const confirmed = await json(await call('townA', 'POST', `/v1/link-reviews/${reviews[A]}/decision`, { decision: 'confirm', comment: '经核实为王丽' }), 200);
      expect(confirmed).toEqual({ id: reviews[A], status: 'confirmed', discrepancyId: ids[A]['unlinked-record'] });
      const [linkA] = await hub.sql(`SELECT * FROM person_link WHERE fact_id = $1`, [reviews[A]]);
      expect(linkA).toMatchObject({ method: 'manual', decision: 'link', review_status: 'confirmed', person_key: 'C-A-L1#woman', reviewed_by: users.townA.id, review_comment: '经核实为王丽' });
      const [closedA] = await hub.sql(`SELECT status, resolution FROM discrepancy WHERE id = $1`, [ids[A]['unlinked-record']]);
      expect(closedA).toMatchObject({ status: 'resolved', resolution: { action: 'confirm-link', comment: '经核实为王丽', by: { id: users.townA.id } } });

      await json(await call('townB', 'POST', `/v1/link-reviews/${reviews[B]}/decision`, { decision: 'reject', comment: '非本县育龄妇女' }), 200);
      const [linkB] = await hub.sql(`SELECT * FROM person_link WHERE fact_id = $1`, [reviews[B]]);
      expect(linkB).toMatchObject({ method: 'manual', decision: 'non-link', review_status: 'rejected', person_key: null, card_id: null });
      const [closedB] = await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [ids[B]['unlinked-record']]);
      expect(closedB.status).toBe('dismissed');
      expect((await receipts(clients.health)).filter((r) => r.type === 'resolved').map((r) => r.recordId).sort()).toEqual(['BN-A', 'BN-B']);

      await json(await call('townA', 'POST', `/v1/link-reviews/${reviews[A]}/decision`, { decision: 'reject', comment: 'changed my mind' }), 409);
      expect((await json(await call('townA', 'GET', '/v1/link-reviews'), 200)).items).toEqual([]);
      expect((await json(await call('townA', 'GET', '/v1/link-reviews?status=confirmed'), 200)).items.map((i: any) => i.id)).toEqual([reviews[A]]);
    });
  });

  describe('another reconciliation after staff decisions', () => {
    it('neither reopens nor duplicates what staff closed, and keeps their link decisions', async () => {
      const before = await hub.sql(`SELECT id, key, status FROM discrepancy ORDER BY key`);
      await reconcile();
      const after = await hub.sql(`SELECT id, key, status FROM discrepancy ORDER BY key`);
      for (const row of before.filter((r) => r.status !== 'open')) {
        expect(after.find((a) => a.key === row.key)).toEqual(row);
      }
      // Same subject, same key: still one row each (the marriage conflict is gone from the data, the dispute stays closed).
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM discrepancy WHERE kind IN ('marital-status-conflict', 'moved-out-still-registered', 'unlinked-record')`);
      expect(n).toBe(6);
      const links = await hub.sql(`SELECT method, review_status FROM person_link WHERE fact_id = ANY($1::bigint[]) ORDER BY review_status`, [[reviews[A], reviews[B]]]);
      expect(links).toEqual([{ method: 'manual', review_status: 'confirmed' }, { method: 'manual', review_status: 'rejected' }]);
      // Confirmed, the notice now counts against the sister's card, which lacks the child: a new, different discrepancy.
      expect(after.filter((a) => !before.some((b) => b.key === a.key)).map((a) => a.key)).toEqual([expect.stringMatching(/^birth-not-in-registry:/)]);
    });

    it('accept-agency of that birth adds the child to the card, and the next run agrees', async () => {
      const [birth] = await hub.sql(`SELECT id FROM discrepancy WHERE kind = 'birth-not-in-registry'`);
      const body = await json(await call('townA', 'POST', `/v1/discrepancies/${birth.id}/resolution`, { action: 'accept-agency', comment: '补录子女' }), 200);
      expect(body.change).toEqual({ op: 'add-child', cardId: 'C-A-L1', child: { sex: 'M', birthDate: '2025-06-01' } });
      expect(await hub.sql(`SELECT ordinal, sex, birth_date, birth_order, citizen_id FROM registry_child WHERE card_id = 'C-A-L1'`)).toEqual([
        { ordinal: 0, sex: 'M', birth_date: '2025-06-01', birth_order: 1, citizen_id: null },
      ]);
      const summary = await reconcile();
      expect(summary).toMatchObject({ raised: 0, reopened: 0 });
      expect(await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [birth.id])).toEqual([{ status: 'resolved' }]);
    });
  });

  describe('reconciliation runs', () => {
    it('starts runs for the county staff, and for a township user only in their township', async () => {
      await json(await call('townA', 'POST', '/v1/reconciliations', { townshipCode: B }), 403);
      await json(await call('inspector', 'POST', '/v1/reconciliations', {}), 403);
      expect((await json(await call('county', 'POST', '/v1/reconciliations', { asOf: '2025-13-01' }), 400)).errors).toEqual([{ field: 'asOf', message: 'must be a date, YYYY-MM-DD' }]);
      expect((await json(await call('county', 'POST', '/v1/reconciliations', { townshipCode: '5113' }), 400)).errors[0].field).toBe('townshipCode');

      const own = await json(await call('townA', 'POST', '/v1/reconciliations', { asOf: AS_OF }), 202);
      expect(own.jobId).toEqual(expect.any(String));
      await json(await call('county', 'POST', '/v1/reconciliations', { townshipCode: B, asOf: AS_OF }), 202);
      await waitFor('both township runs done', async () => {
        const rows = await hub.sql(`SELECT township_code FROM reconciliation_run WHERE township_code IS NOT NULL AND status = 'done'`);
        return rows.length === 2;
      });
      const [audit] = await hub.sql(`SELECT * FROM audit_log WHERE action = 'reconciliation.start' AND user_id = $1`, [users.townA.id]);
      expect(audit).toMatchObject({ target: own.jobId, detail: { townshipCode: A, asOf: AS_OF } });
    });

    it('lists recent runs: a township user sees the county runs and their own, not another township\'s', async () => {
      const county = await json(await call('county', 'GET', '/v1/reconciliations'), 200);
      const countyRuns = (await hub.sql(`SELECT count(*)::int AS n FROM reconciliation_run WHERE township_code IS NULL`))[0].n;
      expect(countyRuns).toBeGreaterThanOrEqual(2);
      const nulls = Array(countyRuns).fill(null);
      expect(county.items.map((r: any) => r.townshipCode).sort()).toEqual([A, B, ...nulls].sort());
      expect(county.items[0]).toEqual(expect.objectContaining({ id: expect.any(String), trigger: 'on-demand', status: 'done', startedAt: expect.any(String), finishedAt: expect.any(String), counts: expect.objectContaining({ runId: expect.any(String) }) }));
      // Each run says how it ran, what it read and what it changed.
      expect(county.items[0]).toEqual(expect.objectContaining({
        mode: 'full', personsRead: expect.any(Number), factsRead: expect.any(Number), cardsRead: expect.any(Number),
        raised: expect.any(Number), closed: expect.any(Number), changed: expect.any(Number),
      }));
      // Why facts were not linked, by cause: every non-link has one.
      const { links, unlinked } = county.items[0].counts;
      expect(Object.keys(unlinked).sort()).toEqual(['child', 'man', 'moved-in', 'no-match', 'over-49']);
      expect(Object.values(unlinked as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(links.nonLink);
      const townA = await json(await call('townA', 'GET', '/v1/reconciliations?limit=10'), 200);
      expect(townA.items.map((r: any) => r.townshipCode).sort()).toEqual([A, ...nulls].sort());
      expect((await json(await call('county', 'GET', '/v1/reconciliations?limit=0'), 400)).errors[0].field).toBe('limit');
    });
  });
});
