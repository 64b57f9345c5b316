import { identityConflict } from './identity-conflict.rule';
import { aCard, aConfig, aHukouChange, aMarriageRecord, citizenIdFor, WOMAN_ID } from './reconciliation-test.factory';

const woman = (name: string, overrides: object = {}) => ({ citizenId: WOMAN_ID, name, sex: 'F' as const, birthDate: '1995-03-08', ...overrides });

describe('identityConflict', () => {
  it('a traditional-character variant of the name is the same name', () => {
    const fact = aMarriageRecord('marriage', '2025-04-01', { person: woman('張秀英') });
    expect(identityConflict([aCard()], [fact], aConfig())).toEqual([]);
  });

  it.each([['full-width space', '张　秀英'], ['spaces', ' 张 秀 英 ']])('so is a name with %s', (_what, name) => {
    expect(identityConflict([aCard()], [aMarriageRecord('marriage', '2025-04-01', { person: woman(name) })], aConfig())).toEqual([]);
  });

  it('a different character is a conflict, the agency value against the card', () => {
    const fact = aMarriageRecord('marriage', '2025-04-01', { person: woman('张秀瑛') });
    expect(identityConflict([aCard()], [fact], aConfig())).toMatchObject([
      {
        key: `identity-conflict:${WOMAN_ID}|name`,
        agencyValue: '张秀瑛',
        registryValue: '张秀英',
        evidence: { recordIds: ['MZ-marriage-2025-04-01', 'RC-XC-511325104003-00001-v1'], cardId: 'XC-511325104003-00001' },
      },
    ]);
  });

  it('sex and birth date, between two agency records without a card', () => {
    const a = aHukouChange('move-in', '2025-02-01', { person: woman('张秀英'), cardId: undefined });
    const b = aMarriageRecord('marriage', '2025-04-01', { person: woman('张秀英', { birthDate: '1996-03-08' }), cardId: undefined });
    expect(identityConflict([], [a, b], aConfig())).toMatchObject([
      { key: `identity-conflict:${WOMAN_ID}|birthDate`, agencyValue: ['1995-03-08', '1996-03-08'], registryValue: null },
    ]);
    const c = aMarriageRecord('marriage', '2025-04-01', { person: woman('张秀英', { sex: 'M' }) });
    expect(identityConflict([aCard()], [c], aConfig()).map((d) => d.key)).toEqual([`identity-conflict:${WOMAN_ID}|sex`]);
  });

  it('a 15-digit id is the same id; a wrong check digit is no id', () => {
    const fifteen = WOMAN_ID.slice(0, 6) + WOMAN_ID.slice(8, 17);
    const old = aHukouChange('update', '2025-02-01', { person: woman('张秀瑛', { citizenId: fifteen }) });
    expect(identityConflict([aCard()], [old], aConfig())).toHaveLength(1);
    const badCheck = WOMAN_ID.slice(0, 17) + (WOMAN_ID[17] === '0' ? '1' : '0');
    const faulty = aHukouChange('update', '2025-02-01', { person: woman('张秀瑛', { citizenId: badCheck }) });
    expect(identityConflict([aCard()], [faulty], aConfig())).toEqual([]);
  });

  it('card against card: a daughter on her mother’s card and on her own', () => {
    const id = citizenIdFor('2005-02-02', 'F', 9);
    const mother = aCard({ children: [{ citizenId: id, name: '李娜', sex: 'F', birthDate: '2005-02-02', birthOrder: 1, policyCompliant: true }] });
    const own = aCard({ cardId: 'XC-2', recordId: 'RC-XC-2-v1', woman: { citizenId: id, name: '李那', birthDate: '2005-02-02' } });
    expect(identityConflict([mother, own], [], aConfig()).map((d) => d.key)).toEqual([`identity-conflict:${id}|name`]);
  });
});
