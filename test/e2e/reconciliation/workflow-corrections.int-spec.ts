import { ReconciliationService } from '@sanxian/reconciliation';
import { PersonalDataCipher, StaffRepository } from '@sanxian/persistence';
import { Hub, HubResponse, TestClient, send, startHub, waitUntilProcessed } from '../../support/hub-harness';
import { birthNotice, citizenId, hukouChange, registryCard } from '../../support/record-factory';

/**
 * accept-agency for each kind of registry change: every change lands in the registry working
 * copy, is recorded as a correction and sent to the family-planning client, and the next
 * reconciliation finds the two sides agreeing.
 */
const VILLAGE = '511325101002';
const AS_OF = '2025-12-31';

const person = (name: string, sex: 'M' | 'F', birthDate: string, serial: number) => ({ citizenId: citizenId(birthDate, sex, serial), name, sex, birthDate });
const husband = (serial: number) => person('陈建国', 'M', '1986-01-01', serial);

const orderMother = person('李秀英', 'F', '1990-02-02', 11);
const orderChild = { ...person('李浩然', 'M', '2025-03-10', 12), birthOrder: 1, policyCompliant: true };
const unnotifiedMother = person('杨桂兰', 'F', '1988-04-04', 13);
const renamed = person('刘芳', 'F', '1993-05-05', 15);
const bereaved = person('黄丽', 'F', '1985-06-06', 16);
const deadChildPerson = person('黄军', 'M', '2012-01-01', 17);
const deadChild = { ...deadChildPerson, birthOrder: 1, policyCompliant: true };
const newcomer = person('何春梅', 'F', '1996-07-07', 18);

const card = (cardId: string, woman: object, children: object[], serial: number) =>
  registryCard(serial, 8, {
    recordId: `RC-${cardId}`, cardId, eventDate: '2025-01-10', regionCode: VILLAGE, woman: { ...woman, hukouRegionCode: VILLAGE },
    maritalStatus: 'married', husband: husband(serial + 40), children, residenceStatus: 'resident',
  });

describe('accept-agency corrections of the registry, kind by kind', () => {
  let hub: Hub;
  let fp: TestClient;
  let token: string;
  const ids: Record<string, string> = {};

  const call = (method: string, path: string, body?: unknown): Promise<HubResponse> =>
    fetch(hub.url + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const accept = async (kind: string, status = 200) => {
    const res = await call('POST', `/v1/discrepancies/${ids[kind]}/resolution`, { action: 'accept-agency', comment: `${kind}: 以部门数据为准` });
    const body = await res.json();
    expect([kind, res.status]).toEqual([kind, status]);
    return body;
  };
  const reconcile = () => hub.worker!.get(ReconciliationService).run({ trigger: 'on-demand', asOf: AS_OF });

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    fp = await hub.createClient('family-planning');
    const police = await hub.createClient('public-security');
    const health = await hub.createClient('health');
    await hub.api.get(StaffRepository).create('corrections-county', 'corrections-password', 'county', null);
    const auth = await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'corrections-county', password: 'corrections-password' }),
    });
    token = ((await auth.json()) as { accessToken: string }).accessToken;

    const push = async (client: TestClient, path: string, records: unknown[]) => {
      const body = await (await send(hub.url, client, 'POST', `/v1/exchange/${path}`, { records })).json();
      expect([path, body.rejected]).toEqual([path, 0]);
    };
    await push(fp, 'registry-cards', [
      card('C-ORDER', orderMother, [orderChild], 1),
      card('C-UNNOTIFIED', unnotifiedMother, [{ ...person('杨欣', 'F', '2025-02-01', 14), birthOrder: 1, policyCompliant: true }], 2),
      card('C-RENAMED', renamed, [], 3),
      card('C-BEREAVED', bereaved, [deadChild], 4),
    ]);
    await push(health, 'birth-notices', [
      birthNotice(1, 8, {
        recordId: 'BN-ORDER', eventDate: orderChild.birthDate, regionCode: VILLAGE, child: { sex: 'M', birthDate: orderChild.birthDate },
        mother: orderMother, father: husband(41), birthOrder: 2,
      }),
    ]);
    await push(police, 'hukou-changes', [
      hukouChange(1, 8, { recordId: 'HK-RENAMED', eventDate: '2025-04-01', regionCode: VILLAGE, changeType: 'update', person: { ...renamed, name: '刘芬' } }),
      hukouChange(2, 8, { recordId: 'HK-DEATH', eventDate: '2025-09-09', regionCode: VILLAGE, changeType: 'death', person: deadChildPerson }),
      hukouChange(3, 8, { recordId: 'HK-MOVE-IN', eventDate: '2025-05-05', regionCode: VILLAGE, changeType: 'move-in', person: newcomer, toRegionCode: VILLAGE }),
    ]);
    await waitUntilProcessed(hub, 8);
    await reconcile();
    for (const row of await hub.sql(`SELECT id, kind FROM discrepancy`)) ids[row.kind] = row.id;
  });
  afterAll(() => hub?.close());

  it('finds one discrepancy of each kind the data was made for', () => {
    expect(Object.keys(ids).sort()).toEqual(['birth-not-notified', 'birth-order-conflict', 'death-not-reflected', 'identity-conflict', 'moved-in-not-registered']);
  });

  it('sets the birth order the notice gives', async () => {
    expect((await accept('birth-order-conflict')).change).toMatchObject({ op: 'set-birth-order', cardId: 'C-ORDER', birthOrder: 2 });
    expect(await hub.sql(`SELECT birth_order FROM registry_child WHERE card_id = 'C-ORDER'`)).toEqual([{ birth_order: 2 }]);
  });

  it('takes off the card a child health never notified', async () => {
    expect((await accept('birth-not-notified')).change).toMatchObject({ op: 'remove-child', cardId: 'C-UNNOTIFIED', match: { birthDate: '2025-02-01', sex: 'F' } });
    expect(await hub.sql(`SELECT * FROM registry_child WHERE card_id = 'C-UNNOTIFIED'`)).toEqual([]);
  });

  it("corrects the woman's name to the police's", async () => {
    expect((await accept('identity-conflict')).change).toMatchObject({ op: 'set-person', cardId: 'C-RENAMED', field: 'name', value: '刘芬' });
    const [woman] = await hub.sql(`SELECT name FROM registry_woman WHERE card_id = 'C-RENAMED'`);
    expect(new PersonalDataCipher(hub.config.secretsKey).open(woman.name)).toBe('刘芬');
  });

  it('takes a dead child off the card', async () => {
    expect((await accept('death-not-reflected')).change).toMatchObject({ op: 'remove-child', cardId: 'C-BEREAVED', match: { citizenId: deadChild.citizenId } });
    expect(await hub.sql(`SELECT * FROM registry_child WHERE card_id = 'C-BEREAVED'`)).toEqual([]);
  });

  it('cannot open a card for a woman moved in (422), and changes nothing', async () => {
    expect((await accept('moved-in-not-registered', 422)).detail).toMatch(/family-planning system must open the card/);
    const [row] = await hub.sql(`SELECT status FROM discrepancy WHERE id = $1`, [ids['moved-in-not-registered']]);
    expect(row.status).toBe('open');
    expect(await hub.sql(`SELECT * FROM registry_correction WHERE discrepancy_id = $1`, [ids['moved-in-not-registered']])).toEqual([]);
  });

  it('sent each correction to the family-planning client, and recorded its provenance', async () => {
    const receipts = (await (await send(hub.url, fp, 'GET', '/v1/exchange/receipts?limit=1000')).json()).items as any[];
    expect(receipts.filter((r) => r.type === 'correction').map((r) => [r.recordId, r.detail.kind]).sort()).toEqual([
      ['RC-C-BEREAVED', 'death-not-reflected'], ['RC-C-ORDER', 'birth-order-conflict'], ['RC-C-RENAMED', 'identity-conflict'], ['RC-C-UNNOTIFIED', 'birth-not-notified'],
    ]);
    const corrections = await hub.sql(`SELECT card_id FROM registry_correction ORDER BY card_id`);
    expect(corrections.map((c) => c.card_id)).toEqual(['C-BEREAVED', 'C-ORDER', 'C-RENAMED', 'C-UNNOTIFIED']);
  });

  it('the next reconciliation finds the corrected cards agreeing: nothing reopened, nothing new', async () => {
    const before = await hub.sql(`SELECT key, status FROM discrepancy ORDER BY key`);
    const summary = await reconcile();
    expect(summary).toMatchObject({ raised: 0, reopened: 0 });
    expect(await hub.sql(`SELECT key, status FROM discrepancy ORDER BY key`)).toEqual(before);
  });
});
