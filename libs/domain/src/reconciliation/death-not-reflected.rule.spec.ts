import { deathNotReflected } from './death-not-reflected.rule';
import { aCard, aChild, aConfig, aHukouChange, citizenIdFor, HUSBAND_ID, WOMAN_ID } from './reconciliation-test.factory';

const CARD = 'XC-511325104003-00001';

describe('deathNotReflected', () => {
  it('the woman: unless the card says deceased', () => {
    const death = aHukouChange('death', '2025-08-01');
    expect(deathNotReflected([aCard()], [death], aConfig())).toMatchObject([
      { key: `death-not-reflected:${CARD}|${WOMAN_ID}`, agencyValue: 'deceased', registryValue: 'resident' },
    ]);
    expect(deathNotReflected([aCard({ residenceStatus: 'deceased' })], [death], aConfig())).toEqual([]);
  });

  it('the husband: while the card still says married', () => {
    const death = aHukouChange('death', '2025-08-01', {
      person: { citizenId: HUSBAND_ID, name: '李强', sex: 'M', birthDate: '1993-11-20' },
      cardRole: 'husband',
    });
    expect(deathNotReflected([aCard()], [death], aConfig())).toMatchObject([
      { key: `death-not-reflected:${CARD}|${HUSBAND_ID}`, agencyValue: 'widowed', registryValue: 'married' },
    ]);
    expect(deathNotReflected([aCard({ maritalStatus: 'widowed' })], [death], aConfig())).toEqual([]);
  });

  it('a child still listed, found by id on every card that names her', () => {
    const daughterId = citizenIdFor('2005-02-02', 'F', 9);
    const mother = aCard({ children: [aChild({ citizenId: daughterId, sex: 'F', birthDate: '2005-02-02' })] });
    const own = aCard({ cardId: 'XC-511325104003-00002', woman: { citizenId: daughterId, name: '李娜', birthDate: '2005-02-02' }, husband: undefined, maritalStatus: 'unmarried' });
    const death = aHukouChange('death', '2025-08-01', { person: { citizenId: daughterId, name: '李娜', sex: 'F', birthDate: '2005-02-02' }, cardId: own.cardId });
    const drafts = deathNotReflected([mother, own], [death], aConfig());
    expect(drafts.map((d) => [d.key, d.registryValue])).toEqual([
      [`death-not-reflected:${CARD}|${daughterId}`, 'listed'],
      [`death-not-reflected:XC-511325104003-00002|${daughterId}`, 'resident'],
    ]);
  });

  it('nobody on the card', () => {
    const stranger = aHukouChange('death', '2025-08-01', { person: { citizenId: citizenIdFor('1940-01-01', 'M'), sex: 'M' }, cardId: undefined });
    expect(deathNotReflected([aCard()], [stranger], aConfig())).toEqual([]);
  });
});

describe('deathNotReflected, a child taken off the card', () => {
  it('is reflected, even when linkage tied the death to the card as a child', () => {
    const sonId = citizenIdFor('2024-02-25', 'M', 5);
    const death = aHukouChange('death', '2025-08-01', { person: { citizenId: sonId, sex: 'M', birthDate: '2024-02-25' }, cardRole: 'child' });
    expect(deathNotReflected([aCard({ children: [] })], [death], aConfig())).toEqual([]);
    expect(deathNotReflected([aCard({ children: [aChild({ citizenId: sonId, birthDate: '2024-02-25' })] })], [death], aConfig())).toHaveLength(1);
  });
});
