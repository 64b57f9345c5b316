import { compareWithRegistry, returnCompleteness, type FrameVillage } from '@sanxian/domain';
import { HouseholdTruthIndex, surveyFromTruth } from './survey-from-truth';
import type { HouseholdTruth, MemberTruth } from './synth-records.types';

/*
 * The demo's inspectors at the doors: a return made from who really lives in each household is complete
 * against the frame, and the registry's faults come out as the comparison's findings, one for one.
 */

const VILLAGE = '511325101002';
const HEADER = { returnId: '0b7d2c1e-4f5a-4b6c-8d7e-9f0a1b2c3d4e', campaignId: 'c', drawId: 'd', surveyDate: '2026-12-07' };
const PERIOD = { from: '2026-01-01', to: '2026-12-31' };
const ID = (n: number) => `51132519900101${String(n).padStart(3, '0')}X`.slice(0, 18);

const woman = (n: number, over: Partial<MemberTruth> = {}): MemberTruth => ({
  id: ID(n), name: `王丽${n}`, sex: 'F', birthDate: '1990-01-01', maritalStatus: 'married', away: false, cardId: `C-${n}`, ...over,
});
const frameWoman = (n: number, over: Record<string, unknown> = {}) => ({
  personKey: `C-${n}:woman`, cardId: `C-${n}`, role: 'woman' as const, name: `王丽${n}`, citizenId: ID(n), sex: 'F' as const, birthDate: '1990-01-01', maritalStatus: 'married', ...over,
});

/** Household 1 as registered; 2: her 2026 child is not on the card; 3: her marital status is stale; 4: she moved to household 1's
 * neighbour (5); 6: a floating-in woman on a card of her own, away at work; 7 (not in the frame): a woman of 30 with no card. */
const truth: HouseholdTruth[] = [
  { householdId: 'H1', villageCode: VILLAGE, groupCode: '01', floatingIn: false, members: [woman(1), { id: 'SYN-1', name: '张三', sex: 'M', birthDate: '1960-01-01', maritalStatus: 'married', away: false }] },
  { householdId: 'H2', villageCode: VILLAGE, groupCode: '01', floatingIn: false, members: [
    woman(2, { children: [{ id: 'SYN-c2', sex: 'M', birthDate: '2026-05-01', birthOrder: 1 }] }),
    { id: 'SYN-c2', name: '王小宝', sex: 'M', birthDate: '2026-05-01', maritalStatus: 'unmarried', away: false },
  ] },
  { householdId: 'H3', villageCode: VILLAGE, groupCode: '01', floatingIn: false, members: [woman(3, { maritalStatus: 'divorced' })] },
  { householdId: 'H4', villageCode: VILLAGE, groupCode: '01', floatingIn: false, members: [] },
  { householdId: 'H5', villageCode: VILLAGE, groupCode: '02', floatingIn: false, members: [woman(4)] },
  { householdId: 'H6', villageCode: VILLAGE, groupCode: '01', floatingIn: true, members: [woman(6, { away: true })] },
  { householdId: 'H7', villageCode: VILLAGE, groupCode: '01', floatingIn: false, members: [woman(7, { cardId: undefined, birthDate: '1996-03-03' })] },
];

const frame: FrameVillage = {
  villageCode: VILLAGE, townshipCode: VILLAGE.slice(0, 9),
  groups: [{
    groupCode: '01',
    households: [
      { householdKey: 'H1', persons: [frameWoman(1)] },
      { householdKey: 'H2', persons: [frameWoman(2)] },
      { householdKey: 'H3', persons: [frameWoman(3)] },
      { householdKey: 'H4', persons: [frameWoman(4)] },
      { householdKey: 'card:C-6', persons: [frameWoman(6)] },
    ],
  }],
};

describe('a survey return made from the ground truth', () => {
  const index = new HouseholdTruthIndex(truth);
  const survey = surveyFromTruth(frame, HEADER, index, { addMissingHouseholds: true });
  const comparison = compareWithRegistry(survey, frame, PERIOD);

  it('accounts for every group, household, person and item of the frame', () => {
    expect(returnCompleteness(frame, survey)).toEqual([]);
  });

  it('finds the registry\'s faults, and only them', () => {
    // The child missing from her card is two findings, as the comparison names them: her children differ, and a birth is not registered.
    expect(comparison.findings.map((f) => [f.kind, f.householdKey, 'item' in f ? f.item : 'reason' in f ? f.reason : ''])).toEqual([
      ['item-differs', 'H2', 'children'],
      ['birth-not-in-registry', 'H2', ''],
      ['item-differs', 'H3', 'maritalStatus'],
      ['person-not-there', 'H4', 'moved-away'],
      ['person-not-in-registry', 'H7', ''],
    ]);
    // Her birth of 2026, found and not registered: 求实率 counts it.
    expect(comparison.births).toEqual([{ groupCode: '01', personKey: 'C-2:woman', birthDate: '2026-05-01', registered: false }]);
  });

  it('marks a woman away at work absent, and adds no household without a woman of 15–49 at home', () => {
    const floating = survey.groups[0].households.find((h) => h.householdKey === 'card:C-6')!;
    expect(floating.persons).toEqual([{ personKey: 'C-6:woman', status: 'not-checked', reason: 'absent', items: [] }]);
    expect(survey.groups[0].households.filter((h) => h.added).map((h) => h.householdKey)).toEqual(['H7']);
  });

  it('adds nothing the frame lacks when only some households of a group were drawn', () => {
    const some = surveyFromTruth(frame, HEADER, index, { addMissingHouseholds: false });
    expect(some.groups[0].households.map((h) => h.householdKey)).toEqual(['H1', 'H2', 'H3', 'H4', 'card:C-6']);
  });
});
