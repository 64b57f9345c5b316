import { describe, expect, it } from '@jest/globals';
import type { InspectionCampaignSummary } from '@sanxian/api-types';
import type { FrameVillage } from '@sanxian/domain';
import { chinaDay, frameValue, ledTeamDay, missingFromReturn, newDraft, withItem } from './survey-draft';

const VILLAGE: FrameVillage = {
  villageCode: '511325229001',
  townshipCode: '511325229',
  groups: [
    {
      groupCode: '01',
      households: [
        {
          householdKey: 'H1',
          persons: [
            { personKey: 'C1:woman', cardId: 'C1', role: 'woman', name: '王丽', citizenId: '511325199001010021', sex: 'F', birthDate: '1990-01-01', maritalStatus: 'married' },
            { personKey: 'C1:child:1', cardId: 'C1', role: 'child', name: '李明', citizenId: null, sex: 'M', birthDate: '2019-03-02' },
            { personKey: 'C1:child:2', cardId: 'C1', role: 'child', name: '李红', citizenId: null, sex: 'F', birthDate: '2016-07-09' },
            // Another card in the same household (a daughter-in-law's): her children are not the first woman's.
            { personKey: 'C9:woman', cardId: 'C9', role: 'woman', name: '赵敏', citizenId: null, sex: 'F', birthDate: '1996-02-02', maritalStatus: 'married' },
            { personKey: 'C9:child:1', cardId: 'C9', role: 'child', name: '李小', citizenId: null, sex: 'M', birthDate: '2024-01-05' },
          ],
        },
      ],
    },
    { groupCode: '02', households: [] },
  ],
};

const draft = () => newDraft({ returnId: 'r1', campaignId: 'c1', drawId: 'd1', surveyDate: '2026-12-07', village: VILLAGE });

describe('a survey return being filled', () => {
  it('starts with every group, household and person of the frame, and misses every item asked of each by role', () => {
    const missing = missingFromReturn(draft(), VILLAGE);
    // A woman is asked seven items, a child four: 7 + 4 + 4 + 7 + 4.
    expect(missing).toHaveLength(26);
    expect(missing.filter((m) => m.personKey === 'C1:child:1').map((m) => m.item)).toEqual(['name', 'citizenId', 'sex', 'birthDate']);
  });

  it('misses a group marked not surveyed until it has a reason, and nothing under it after', () => {
    const value = draft();
    value.groups[0] = { ...value.groups[0], status: 'not-checked' };
    expect(missingFromReturn(value, VILLAGE)).toEqual([{ groupCode: '01' }]);
    value.groups[0] = { ...value.groups[0], reason: 'refused' };
    expect(missingFromReturn(value, VILLAGE)).toEqual([]);
  });

  it('holds an added household and person to the items asked of anyone', () => {
    const value = draft();
    value.groups[1] = { ...value.groups[1], households: [{ householdKey: 'new:1', added: true, status: 'checked', persons: [{ personKey: 'new:1', status: 'checked', items: [] }] }] };
    const added = missingFromReturn(value, VILLAGE).filter((m) => m.groupCode === '02');
    expect(added.map((m) => `${m.householdKey} ${m.personKey} ${m.item}`)).toEqual(['new:1 new:1 name', 'new:1 new:1 citizenId', 'new:1 new:1 sex', 'new:1 new:1 birthDate']);
    let person = value.groups[1].households[0].persons[0];
    for (const item of ['name', 'citizenId', 'sex', 'birthDate'] as const) person = withItem(person, { item, status: 'not-checked', reason: 'refused' });
    value.groups[1].households[0].persons[0] = person;
    expect(missingFromReturn(value, VILLAGE).filter((m) => m.groupCode === '02')).toEqual([]);
  });

  it('reads a woman\'s children from the child persons of her family card, by birth date', () => {
    const [household] = VILLAGE.groups[0].households;
    expect(JSON.parse(frameValue(household.persons[0], 'children', household))).toEqual([{ birthDate: '2016-07-09', sex: 'F' }, { birthDate: '2019-03-02', sex: 'M' }]);
    expect(JSON.parse(frameValue(household.persons[3], 'children', household))).toEqual([{ birthDate: '2024-01-05', sex: 'M' }]);
    expect(frameValue(household.persons[1], 'children', household)).toBe('');
    expect(frameValue(household.persons[0], 'contraception', household)).toBe('');
  });
});

describe('the team day a leader loads', () => {
  const campaign = (state: InspectionCampaignSummary['state'], date: string): InspectionCampaignSummary => ({
    id: `c-${state}`, year: 2026, period: '2026-Q4', state,
    teams: [{ teamId: 'A', leaderId: 'leader', memberIds: ['m1', 'm2'] }, { teamId: 'B', leaderId: 'other', memberIds: [] }],
    days: [{ date, departure: '09:00', assignments: [{ teamId: 'A', townshipCodes: ['511325229'] }] }],
  });

  it('is today\'s of a frozen campaign the user leads a team in, with the team leader first', () => {
    const found = ledTeamDay([campaign('draft', '2026-12-07'), campaign('frozen', '2026-12-07')], 'leader', '2026-12-07');
    expect(found).toEqual({
      campaignId: 'c-frozen', day: '2026-12-07', teamId: 'A',
      team: [{ staffId: 'leader', leader: true }, { staffId: 'm1', leader: false }, { staffId: 'm2', leader: false }],
    });
  });

  it('is none for a member, another day, or a team with no assignment that day', () => {
    expect(ledTeamDay([campaign('frozen', '2026-12-07')], 'm1', '2026-12-07')).toBeUndefined();
    expect(ledTeamDay([campaign('frozen', '2026-12-08')], 'leader', '2026-12-07')).toBeUndefined();
    expect(ledTeamDay([campaign('frozen', '2026-12-07')], 'other', '2026-12-07')).toBeUndefined();
  });

  it('is the county\'s day: China time, a day ahead of UTC in the evening', () => {
    expect(chinaDay(new Date('2026-12-07T15:59:00Z'))).toBe('2026-12-07');
    expect(chinaDay(new Date('2026-12-07T16:00:00Z'))).toBe('2026-12-08');
  });
});
