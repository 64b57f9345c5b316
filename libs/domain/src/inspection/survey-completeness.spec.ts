import { completenessMessage, returnCompleteness } from './survey-completeness';
import { faithfulReturn, sampleVillage } from './survey-test.factory';

describe('returnCompleteness (村不漏组、组不漏户、户不漏人、人不漏项)', () => {
  const messages = (survey = faithfulReturn()) => returnCompleteness(sampleVillage(), survey).map(completenessMessage);

  it('finds nothing missing in a return that accounts for everything', () => {
    expect(messages()).toEqual([]);
  });

  it('names a missing group, household, person and item by their path', () => {
    const survey = faithfulReturn();
    survey.groups = survey.groups.filter((g) => g.groupCode !== '02');
    survey.groups[0].households = survey.groups[0].households.filter((h) => h.householdKey !== 'card:card-18');
    const household = survey.groups[0].households[0];
    household.persons = household.persons.filter((p) => p.personKey !== 'card-17:husband');
    const child = household.persons.find((p) => p.personKey === 'card-17:child:1')!;
    child.items = child.items.filter((i) => i.item !== 'birthDate');
    expect(messages(survey)).toEqual([
      'group 01 / household 5113250001234 / person card-17:husband: missing: neither checked nor marked with a reason',
      'group 01 / household 5113250001234 / person card-17:child:1 / item birthDate: missing: neither checked nor marked with a reason',
      'group 01 / household card:card-18: missing: neither checked nor marked with a reason',
      'group 02: missing: neither checked nor marked with a reason',
    ]);
  });

  it('accepts a group, household, person or item not checked for a listed reason, and nothing below it', () => {
    const survey = faithfulReturn();
    survey.groups[1] = { groupCode: '02', status: 'not-checked', reason: 'not-found', households: [] };
    survey.groups[0].households[1] = { householdKey: 'card:card-18', status: 'not-checked', reason: 'moved-away', persons: [] };
    const woman = survey.groups[0].households[0].persons[0];
    woman.items[woman.items.length - 1] = { item: 'contraception', status: 'not-checked', reason: 'refused' };
    expect(messages(survey)).toEqual([]);
  });

  it('refuses a reason that is missing or not in the list', () => {
    const survey = faithfulReturn();
    survey.groups[0].households[1] = { householdKey: 'card:card-18', status: 'not-checked', persons: [] };
    (survey.groups[1] as { reason?: string }).reason = undefined;
    survey.groups[1].status = 'not-checked';
    survey.groups[0].households[0].persons[1] = { personKey: 'card-17:husband', status: 'not-checked', reason: 'busy' as never, items: [] };
    expect(returnCompleteness(sampleVillage(), survey)).toEqual([
      { path: 'group 01 / household 5113250001234 / person card-17:husband', kind: 'unknown-reason' },
      { path: 'group 01 / household card:card-18', kind: 'no-reason' },
      { path: 'group 02', kind: 'no-reason' },
    ]);
  });

  it('takes a household the frame lacks only when marked added, and asks every item of its new persons', () => {
    const survey = faithfulReturn();
    survey.groups[1].households.push({ householdKey: 'x-1', status: 'checked', persons: [] });
    survey.groups[1].households.push({
      householdKey: 'new-1', added: true, status: 'checked',
      persons: [{ personKey: 'new:1', status: 'checked', items: [{ item: 'name', status: 'checked', value: '赵敏' }] }],
    });
    survey.groups[0].households[0].persons.push({ personKey: 'card-99:woman', status: 'checked', items: [] });
    expect(returnCompleteness(sampleVillage(), survey)).toEqual([
      { path: 'group 01 / household 5113250001234 / person card-99:woman', kind: 'not-in-frame' },
      { path: 'group 02 / household x-1', kind: 'not-in-frame' },
      { path: 'group 02 / household new-1 / person new:1 / item citizenId', kind: 'missing' },
      { path: 'group 02 / household new-1 / person new:1 / item sex', kind: 'missing' },
      { path: 'group 02 / household new-1 / person new:1 / item birthDate', kind: 'missing' },
    ]);
  });

  it('names a group or item listed twice, and a group the frame lacks', () => {
    const survey = faithfulReturn();
    survey.groups.push({ ...survey.groups[1] }, { groupCode: '07', status: 'not-checked', reason: 'absent', households: [] });
    const woman = survey.groups[0].households[0].persons[0];
    woman.items.push(woman.items[0]);
    expect(returnCompleteness(sampleVillage(), survey)).toEqual([
      { path: 'group 02', kind: 'duplicate' },
      { path: 'group 07', kind: 'not-in-frame' },
      { path: 'group 01 / household 5113250001234 / person card-17:woman / item name', kind: 'duplicate' },
    ]);
  });
});
