import { findingDrafts } from './spot-check-findings';
import { compareWithRegistry } from './survey-comparison';
import { faithfulReturn, sampleVillage } from './survey-test.factory';
import type { ItemEntry } from './survey-types';

const YEAR = { from: '2026-01-01', to: '2026-12-31' };

function setItem(items: ItemEntry[], entry: ItemEntry): void {
  const at = items.findIndex((i) => i.item === entry.item);
  items[at] = entry;
}

describe('compareWithRegistry', () => {
  it('finds nothing when the survey finds what the registry holds, and counts what it compared', () => {
    const comparison = compareWithRegistry(faithfulReturn(), sampleVillage(), YEAR);
    expect(comparison.findings).toEqual([]);
    // Woman: name, citizenId, sex, birthDate, maritalStatus, children (contraception is not compared) = 6, three women;
    // husband 4 (his marital status is not in the registry); child 4.
    expect(comparison.items).toHaveLength(6 * 3 + 4 + 4);
    expect(comparison.items.every((i) => i.agrees)).toBe(true);
    expect(comparison.births).toEqual([{ groupCode: '01', personKey: 'card-17:woman', birthDate: '2026-02-14', registered: true }]);
  });

  it('turns each disagreement into a finding: an item, a birth and a person the registry lacks, a person not there', () => {
    const survey = faithfulReturn();
    const [household, single] = survey.groups[0].households;
    const woman = household.persons[0];
    // A name written in another form is the same name; a different birth date is not.
    setItem(woman.items, { item: 'name', status: 'checked', value: ' 张秀英 ' });
    setItem(woman.items, { item: 'birthDate', status: 'checked', value: '1994-03-20' });
    setItem(woman.items, { item: 'children', status: 'checked', value: JSON.stringify([{ birthDate: '2026-02-14' }, { birthDate: '2026-09-01', sex: 'M' }]) });
    household.persons.push({ personKey: 'new:1', status: 'checked', items: [{ item: 'name', status: 'checked', value: '李小明' }, { item: 'birthDate', status: 'checked', value: '2026-09-01' }] });
    single.persons[0] = { personKey: 'card-18:woman', status: 'not-checked', reason: 'moved-away', items: [] };
    survey.groups[1].households[0] = { householdKey: '5113250009876', status: 'not-checked', reason: 'absent', persons: [] };

    const { findings, births, items } = compareWithRegistry(survey, sampleVillage(), YEAR);
    expect(findings.map((f) => [f.kind, f.path])).toEqual([
      ['item-differs', 'group 01 / household 5113250001234 / person card-17:woman / item birthDate'],
      ['item-differs', 'group 01 / household 5113250001234 / person card-17:woman / item children'],
      ['birth-not-in-registry', 'group 01 / household 5113250001234 / person card-17:woman / item children'],
      ['person-not-in-registry', 'group 01 / household 5113250001234 / person new:1'],
      ['person-not-there', 'group 01 / household card:card-18 / person card-18:woman'],
    ]);
    expect(findings[0]).toMatchObject({ registry: '1994-03-02', found: '1994-03-20' });
    expect(births.map((b) => [b.birthDate, b.registered])).toEqual([['2026-02-14', true], ['2026-09-01', false]]);
    expect(items.filter((i) => !i.agrees)).toHaveLength(2);
  });

  it('counts only births in the period, and a registered birth once for twins found as two', () => {
    const survey = faithfulReturn();
    const woman = survey.groups[0].households[0].persons[0];
    setItem(woman.items, { item: 'children', status: 'checked', value: JSON.stringify([{ birthDate: '2025-12-31' }, { birthDate: '2026-02-14' }, { birthDate: '2026-02-14' }]) });
    const { births } = compareWithRegistry(survey, sampleVillage(), YEAR);
    expect(births.map((b) => [b.birthDate, b.registered])).toEqual([['2026-02-14', true], ['2026-02-14', false]]);
  });
});

describe('findingDrafts', () => {
  it('makes each finding a spot-check-finding of the township, keyed by its return, with the return as evidence', () => {
    const survey = faithfulReturn();
    setItem(survey.groups[0].households[0].persons[2].items, { item: 'sex', status: 'checked', value: 'M' });
    const comparison = compareWithRegistry(survey, sampleVillage(), YEAR);
    const [draft] = findingDrafts(comparison, sampleVillage(), { townshipCode: '511325101' });
    expect(draft).toMatchObject({
      kind: 'spot-check-finding',
      key: `spot-check-finding:${survey.returnId}|item-differs|group 01 / household 5113250001234 / person card-17:child:1 / item sex`,
      townshipCode: '511325101',
      regionCode: '511325101201',
      subject: { returnId: survey.returnId, finding: 'item-differs', item: 'sex', role: 'child', cardId: 'card-17' },
      evidence: { messageIds: [], recordIds: [], returnIds: [survey.returnId], cardId: 'card-17' },
      agencyValue: 'M',
      registryValue: 'F',
      subjectName: '李小红',
      cardId: 'card-17',
    });
  });
});
