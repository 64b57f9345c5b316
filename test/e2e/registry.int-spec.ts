import { RegistryRepository } from '@sanxian/persistence';
import { citizenId, registryCard } from '../support/record-factory';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../support/hub-harness';

const PATH = '/v1/exchange/registry-cards';

describe('the family-planning registry (cards pushed through the exchange API)', () => {
  let hub: Hub;
  let fp: TestClient;
  let registry: RegistryRepository;
  let sent = 0;

  beforeAll(async () => {
    hub = await startHub();
    fp = await hub.createClient('family-planning');
    registry = hub.api.get(RegistryRepository);
  });
  afterAll(() => hub?.close());

  async function push(records: Record<string, unknown>[]) {
    const res = await send(hub.url, fp, 'POST', PATH, { records });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.rejected).toBe(0);
    sent += body.accepted;
    await waitUntilProcessed(hub, sent);
  }

  const child = (birthDate: string, birthOrder: number, sex: 'M' | 'F' = 'F') => ({
    citizenId: citizenId(birthDate, sex, birthOrder), name: '刘欣', sex, birthDate, birthOrder, policyCompliant: true,
  });
  const version = (v: number, eventDate: string, overrides: Record<string, unknown>) =>
    registryCard(1, 10, { recordId: `RC-10-1-v${v}`, cardId: 'C-REG-1', version: v, eventDate, ...overrides });

  it('keeps every version, and the highest version is current whatever order they arrive in', async () => {
    await push([version(1, '2025-01-10', { maritalStatus: 'married', children: [child('2016-03-02', 1)] })]);
    await push([version(3, '2025-09-01', { maritalStatus: 'divorced', husband: undefined, children: [child('2016-03-02', 1), child('2025-08-20', 2, 'M')] })]);
    // Version 2 arrives late: it is kept in the history but does not replace version 3.
    await push([version(2, '2025-05-05', { maritalStatus: 'married', children: [child('2016-03-02', 1)], residenceStatus: 'floating-out' })]);

    const current = await registry.currentCard('C-REG-1');
    expect(current).toMatchObject({ cardId: 'C-REG-1', version: 3, maritalStatus: 'divorced', residenceStatus: 'resident', husband: null, eventDate: '2025-09-01' });
    expect(current!.children.map((c) => [c.birthDate, c.birthOrder, c.sex])).toEqual([['2016-03-02', 1, 'F'], ['2025-08-20', 2, 'M']]);

    const [versions] = await hub.sql(`SELECT count(*)::int AS n FROM registry_card_version WHERE card_id = 'C-REG-1'`);
    expect(versions.n).toBe(3);
  });

  it('reconstructs the card as it stood on a past date', async () => {
    expect(await registry.cardAsOf('C-REG-1', '2025-01-01')).toBeUndefined();
    const march = await registry.cardAsOf('C-REG-1', '2025-03-31');
    expect(march).toMatchObject({ version: 1, maritalStatus: 'married', husband: expect.objectContaining({ name: expect.any(String) }) });
    expect(march!.children).toHaveLength(1);
    const june = await registry.cardAsOf('C-REG-1', '2025-06-30');
    expect(june).toMatchObject({ version: 2, residenceStatus: 'floating-out' });
    const december = await registry.cardAsOf('C-REG-1', '2025-12-31');
    expect(december).toMatchObject({ version: 3, maritalStatus: 'divorced', husband: null });
    expect(december!.children).toHaveLength(2);
  });

  it('a card whose husband or child ids are mistyped is kept, flagged, with the id as sent', async () => {
    const card = registryCard(2, 10, { cardId: 'C-REG-2' });
    const husband = card.husband as { citizenId: string };
    husband.citizenId = husband.citizenId.slice(0, 17) + (husband.citizenId[17] === '1' ? '2' : '1');
    await push([card]);
    const current = await registry.currentCard('C-REG-2');
    expect(current!.husband!.citizenId).toBe(husband.citizenId);
    const [row] = await hub.sql(`SELECT citizen_id_valid FROM registry_husband WHERE card_id = 'C-REG-2'`);
    expect(row.citizen_id_valid).toBe(false);
  });

  it('projecting the same messages again changes nothing', async () => {
    const before = await registry.countCurrent();
    // Take back what processing committed (facts and processed marks), as if the worker had died before its commit.
    await hub.sql(`DELETE FROM exchange_receipt WHERE type = 'processed' AND message_id IN (SELECT id FROM inbound_message WHERE kind = 'registry-card')`);
    await hub.sql(`DELETE FROM canonical_fact WHERE kind = 'registry-card'`);
    await hub.sql(`UPDATE intake_batch SET processed_at = NULL, enqueued_at = NULL WHERE kind = 'registry-card'`);
    await waitUntilProcessed(hub, sent, 60_000);
    expect(await registry.countCurrent()).toEqual(before);
    expect((await registry.currentCard('C-REG-1'))!.version).toBe(3);
  });
});
