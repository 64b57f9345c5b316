import { campaignProblems, type CampaignDefinition } from './campaign';
import { frameHash } from './lottery';
import { buildSamplingFrame, frameCounts, type FrameCard } from './sampling-frame';

const card = (cardId: string, villageCode: string, groupCode: string | null, householdNumber: string | null, children = 0): FrameCard => ({
  cardId, villageCode, groupCode, householdNumber,
  woman: { citizenId: null, name: '王丽', birthDate: '1990-01-01', maritalStatus: 'married' },
  husband: { citizenId: null, name: '李明', birthDate: '1988-01-01' },
  children: Array.from({ length: children }, (_, i) => ({ ordinal: children - 1 - i, citizenId: null, name: null, sex: 'M' as const, birthDate: `201${i}-01-01` })),
});

describe('the sampling frame', () => {
  const villages = [{ villageCode: '511325101003', townshipCode: '511325101' }, { villageCode: '511325101002', townshipCode: '511325101' }];
  const cards = [card('C-2', '511325101002', '02', 'H1'), card('C-1', '511325101002', '02', 'H1', 2), card('C-3', '511325101002', null, null), card('C-9', '511325199001', '01', 'H9')];
  const frame = buildSamplingFrame({ countyCode: '511325', asOf: '2026-12-07', villages, cards });

  it('groups cards into households of their group, every village listed even without a card, all ordered by code', () => {
    expect(frame.villages.map((v) => [v.villageCode, v.groups.map((g) => [g.groupCode, g.households.map((h) => h.householdKey)])])).toEqual([
      ['511325101002', [['00', ['card:C-3']], ['02', ['H1']]]],
      ['511325101003', []],
    ]);
    const household = frame.villages[0].groups[1].households[0];
    expect(household.persons.map((p) => p.personKey)).toEqual(['C-1:child:0', 'C-1:child:1', 'C-1:husband', 'C-1:woman', 'C-2:husband', 'C-2:woman']);
    expect(household.persons.find((p) => p.role === 'woman')).toMatchObject({ sex: 'F', maritalStatus: 'married' });
    expect(frameCounts(frame)).toEqual({ villages: 2, groups: 2, households: 2, persons: 8 });
  });

  it('gives the same bytes, and hash, whatever order the registry answers in', () => {
    const again = buildSamplingFrame({ countyCode: '511325', asOf: '2026-12-07', villages: [...villages].reverse(), cards: [...cards].reverse() });
    expect(frameHash(again)).toBe(frameHash(frame));
  });
});

describe('a campaign definition', () => {
  const valid: CampaignDefinition = {
    year: 2026, period: '2026-Q4', townshipCodes: ['511325101'],
    design: { villagesPerTownship: 2, groupsPerVillage: 'all', householdsPerGroup: 'all' },
    teams: [{ teamId: 'A', leaderId: 'l', memberIds: ['m'] }],
    days: [{ date: '2026-12-08', departure: '08:30', assignments: [{ teamId: 'A', townshipCodes: ['511325101'] }] }],
  };

  it('has no problem when consistent', () => {
    expect(campaignProblems(valid)).toEqual([]);
  });

  it('names each field that does not fit', () => {
    const bad: CampaignDefinition = {
      ...valid,
      teams: [{ teamId: 'A', leaderId: 'l', memberIds: ['l'] }, { teamId: 'A', leaderId: 'x', memberIds: [] }],
      days: [
        { date: '2027-01-02', departure: '08:30', assignments: [{ teamId: 'B', townshipCodes: ['511325102'] }] },
        { date: '2027-01-02', departure: '08:30', assignments: [{ teamId: 'A', townshipCodes: ['511325101'] }, { teamId: 'A', townshipCodes: ['511325101'] }] },
      ],
    };
    expect(campaignProblems(bad).map((p) => p.field)).toEqual([
      'teams.0.memberIds', 'teams.1.teamId', 'days.0.date', 'days.0.assignments.0.teamId', 'days.0.assignments.0.townshipCodes.0',
      'days.1.date', 'days.1.date', 'days.1.assignments.1.teamId',
    ]);
  });
});
