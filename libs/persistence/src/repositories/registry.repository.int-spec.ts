import { PersonalDataCipher, RegistryRepository, projectRegistryCards } from '@sanxian/persistence';
import { DataSource } from 'typeorm';
import { persistenceSuite } from '../../../../test/support/persistence-context';
import { processRecords } from '../../../../test/support/process-records';
import { citizenId, registryCard } from '../../../../test/support/record-factory';

describe('RegistryRepository (the registry projected from registry-card messages)', () => {
  const ctx = persistenceSuite({ clients: { fp: 'family-planning' } });
  const { clients } = ctx;
  let registry: RegistryRepository;

  beforeAll(() => {
    registry = ctx.get(RegistryRepository);
  });

  const child = (birthDate: string, birthOrder: number, sex: 'M' | 'F') => ({ citizenId: citizenId(birthDate, sex, birthOrder), name: '刘欣', sex, birthDate, birthOrder, policyCompliant: birthOrder < 3 });
  const version = (v: number, eventDate: string, overrides: Record<string, unknown>) =>
    registryCard(1, 41, { recordId: `RC-1-v${v}`, cardId: 'C-1', version: v, eventDate, regionCode: '511325101002', ...overrides });

  it('keeps every version; the highest is current whatever order they arrive in, with its husband and children', async () => {
    await processRecords(ctx, clients.fp, 'registry-card', [version(1, '2025-01-10', { maritalStatus: 'married', children: [child('2016-03-02', 1, 'F')] })]);
    const [v3] = await processRecords(ctx, clients.fp, 'registry-card', [version(3, '2025-09-01', { maritalStatus: 'divorced', husband: undefined, children: [child('2016-03-02', 1, 'F'), child('2025-08-20', 2, 'M')] })]);
    await processRecords(ctx, clients.fp, 'registry-card', [version(2, '2025-05-05', { residenceStatus: 'floating-out', children: [child('2016-03-02', 1, 'F')] })]);

    const current = await registry.currentCard('C-1');
    expect(current).toMatchObject({ cardId: 'C-1', version: 3, messageId: v3, eventDate: '2025-09-01', regionCode: '511325101002', maritalStatus: 'divorced', residenceStatus: 'resident', husband: null });
    expect(current!.woman).toMatchObject({ citizenIdValid: true, hukouRegionCode: expect.any(String) });
    expect(current!.children.map((c) => [c.ordinal, c.birthDate, c.birthOrder, c.sex, c.policyCompliant])).toEqual([[0, '2016-03-02', 1, 'F', true], [1, '2025-08-20', 2, 'M', true]]);
    expect(await registry.countCurrent()).toEqual({ cards: 1, husbands: 0, children: 2, versions: 3 });
    expect(await registry.currentCard('C-none')).toBeUndefined();
  });

  it('rebuilds a card as it stood on a date from the version then current', async () => {
    expect(await registry.cardAsOf('C-1', '2025-01-09')).toBeUndefined();
    const january = await registry.cardAsOf('C-1', '2025-01-10');
    expect(january).toMatchObject({ version: 1, maritalStatus: 'married', husband: { name: expect.any(String) } });
    expect(january!.children).toHaveLength(1);
    expect(await registry.cardAsOf('C-1', '2025-06-30')).toMatchObject({ version: 2, residenceStatus: 'floating-out' });
    const december = await registry.cardAsOf('C-1', '2025-12-31');
    expect(december).toMatchObject({ version: 3, husband: null });
    expect(december!.children.map((c) => c.birthOrder)).toEqual([1, 2]);
  });

  it('projecting the same messages again changes nothing, and an older version never replaces the current one', async () => {
    const before = { current: await registry.currentCard('C-1'), counts: await registry.countCurrent() };
    const messages = (await ctx.sql<{ id: string }>(`SELECT id FROM inbound_message ORDER BY chain_seq`)).map((m) => m.id);
    const changed = await ctx.get(DataSource).transaction((tx) => projectRegistryCards(tx, messages));
    expect(changed).toBe(0);
    expect({ current: await registry.currentCard('C-1'), counts: await registry.countCurrent() }).toEqual(before);
  });

  it("keeps the card's villagers' group and police household number, current and as of a date, and none where a card names none", async () => {
    await processRecords(ctx, clients.fp, 'registry-card', [
      registryCard(3, 41, { recordId: 'RC-3-v1', cardId: 'C-3', version: 1, eventDate: '2025-02-01', regionCode: '511325101003', groupCode: '04', householdNumber: '3250009911' }),
      registryCard(3, 41, { recordId: 'RC-3-v2', cardId: 'C-3', version: 2, eventDate: '2025-07-01', regionCode: '511325101003', groupCode: '105', householdNumber: '3250009912' }),
    ]);
    expect(await registry.currentCard('C-3')).toMatchObject({ groupCode: '105', householdNumber: '3250009912' });
    expect(await registry.cardAsOf('C-3', '2025-03-01')).toMatchObject({ version: 1, groupCode: '04', householdNumber: '3250009911' });
    expect(await registry.currentCard('C-1')).toMatchObject({ groupCode: null, householdNumber: null });
  });

  it('keeps a card whose husband’s id is mistyped, flagged, with the id as sent', async () => {
    const card = registryCard(2, 41, { cardId: 'C-2', regionCode: '511325102202' });
    const husband = card.husband as { citizenId: string };
    husband.citizenId = husband.citizenId.slice(0, 17) + (husband.citizenId[17] === '1' ? '2' : '1');
    await processRecords(ctx, clients.fp, 'registry-card', [card]);
    expect((await registry.currentCard('C-2'))!.husband!.citizenId).toBe(husband.citizenId);
    expect(await ctx.sql(`SELECT citizen_id_valid FROM registry_husband WHERE card_id = 'C-2'`)).toEqual([{ citizen_id_valid: false }]);
    expect(await ctx.sql(`SELECT township_code FROM registry_woman WHERE card_id = 'C-2'`)).toEqual([{ township_code: '511325102' }]);
  });

  it('holds ids and names sealed, finds people by the id\'s keyed hash, and gives them back plain', async () => {
    const card = registryCard(3, 41, { cardId: 'C-3', regionCode: '511325102202' });
    const woman = card.woman as { citizenId: string; name: string };
    const husband = card.husband as { citizenId: string; name: string };
    await processRecords(ctx, clients.fp, 'registry-card', [card]);
    const pii = new PersonalDataCipher(ctx.config.secretsKey);
    const stored = await ctx.sql(
      `SELECT w.citizen_id, w.name, w.citizen_id_hash, h.citizen_id AS husband_citizen_id, h.name AS husband_name, h.citizen_id_hash AS husband_hash,
         v.woman_citizen_id, v.woman_name
       FROM registry_woman w JOIN registry_husband h USING (card_id) JOIN registry_card_version v USING (card_id) WHERE card_id = 'C-3'`,
    );
    expect(JSON.stringify(stored)).not.toContain(woman.citizenId.slice(0, 14));
    expect(JSON.stringify(stored)).not.toContain(woman.name);
    expect(stored[0]).toMatchObject({ citizen_id_hash: pii.lookup(woman.citizenId), husband_hash: pii.lookup(husband.citizenId) });
    expect(await ctx.sql(`SELECT card_id FROM registry_woman WHERE citizen_id_hash = $1`, [pii.lookup(woman.citizenId)])).toEqual([{ card_id: 'C-3' }]);
    const current = await registry.currentCard('C-3');
    expect([current!.woman.citizenId, current!.woman.name, current!.husband!.citizenId, current!.husband!.name]).toEqual([woman.citizenId, woman.name, husband.citizenId, husband.name]);
  });
});
