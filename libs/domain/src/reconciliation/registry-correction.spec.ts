import { NotCorrectableError, registryChangeFor, type CorrectableDiscrepancy } from './registry-correction';

const CARD = 'XC-511325104003-00001';
const ID = '511325199503080028';

function d(kind: CorrectableDiscrepancy['kind'], rest: Partial<CorrectableDiscrepancy> = {}): CorrectableDiscrepancy {
  return { kind, subject: {}, cardId: CARD, agencyValue: null, registryValue: null, ...rest };
}

describe('registryChangeFor: what accepting the agency\'s value changes', () => {
  it.each<[string, CorrectableDiscrepancy, unknown]>([
    ['a birth the card lacks: the child is added', d('birth-not-in-registry', { agencyValue: { childBirthDate: '2025-06-01', childSex: 'F' } }),
      { op: 'add-child', cardId: CARD, child: { sex: 'F', birthDate: '2025-06-01' } }],
    ['a card child health never notified: the child is removed', d('birth-not-notified', { subject: { cardId: CARD, childBirthDate: '2025-06-01', childSex: 'M' } }),
      { op: 'remove-child', cardId: CARD, match: { birthDate: '2025-06-01', sex: 'M' } }],
    ['another birth order: the notice\'s', d('birth-order-conflict', { subject: { motherCitizenId: ID, childBirthDate: '2025-06-01', childSex: 'M' }, agencyValue: 2, registryValue: 1 }),
      { op: 'set-birth-order', cardId: CARD, match: { birthDate: '2025-06-01', sex: 'M' }, birthOrder: 2 }],
    ['a marriage the card lacks: married', d('marital-status-conflict', { agencyValue: 'married', registryValue: 'unmarried' }),
      { op: 'set-card', cardId: CARD, maritalStatus: 'married' }],
    ['a move out: moved out', d('moved-out-still-registered', { agencyValue: 'moved-out' }), { op: 'set-card', cardId: CARD, residenceStatus: 'moved-out' }],
    ['the woman\'s death', d('death-not-reflected', { agencyValue: 'deceased', registryValue: 'resident' }), { op: 'set-card', cardId: CARD, residenceStatus: 'deceased' }],
    ['the husband\'s death: widowed', d('death-not-reflected', { agencyValue: 'widowed', registryValue: 'married' }), { op: 'set-card', cardId: CARD, maritalStatus: 'widowed' }],
    ['a child\'s death: the child is removed', d('death-not-reflected', { subject: { cardId: CARD, citizenId: ID }, agencyValue: 'deceased', registryValue: 'listed' }),
      { op: 'remove-child', cardId: CARD, match: { citizenId: ID } }],
    ['a woman moved in: a card is made', d('moved-in-not-registered', { subject: { citizenId: ID }, cardId: null, agencyValue: '511325104003' }),
      { op: 'create-card', citizenId: ID, regionCode: '511325104003' }],
    ['another name for an id: the agency\'s', d('identity-conflict', { subject: { citizenId: ID, field: 'name' }, agencyValue: '张秀瑛', registryValue: '张秀英' }),
      { op: 'set-person', cardId: CARD, citizenId: ID, field: 'name', value: '张秀瑛' }],
    ['a birth a spot check found: the child is added', d('spot-check-finding', { subject: { cardId: CARD, finding: 'birth-not-in-registry' }, agencyValue: { birthDate: '2026-09-01', sex: 'M' } }),
      { op: 'add-child', cardId: CARD, child: { sex: 'M', birthDate: '2026-09-01' } }],
    ['a birth date a spot check found: the survey\'s', d('spot-check-finding', { subject: { cardId: CARD, finding: 'item-differs', item: 'birthDate', citizenId: ID }, agencyValue: '1992-04-10', registryValue: '1992-04-01' }),
      { op: 'set-person', cardId: CARD, citizenId: ID, field: 'birthDate', value: '1992-04-10' }],
    ['a woman a spot check found moved away: moved out', d('spot-check-finding', { subject: { cardId: CARD, finding: 'person-not-there', role: 'woman', reason: 'moved-away' } }),
      { op: 'set-card', cardId: CARD, residenceStatus: 'moved-out' }],
  ])('%s', (_what, discrepancy, change) => {
    expect(registryChangeFor(discrepancy)).toEqual(change);
  });

  it('refuses what has no registry side to correct, saying why', () => {
    expect(() => registryChangeFor(d('unlinked-record'))).toThrow(/link review/);
    expect(() => registryChangeFor(d('identity-conflict', { subject: { citizenId: ID, field: 'name' }, agencyValue: ['a', 'b'] }))).toThrow(NotCorrectableError);
    expect(() => registryChangeFor(d('marital-status-conflict', { cardId: null }))).toThrow(/no card/);
    expect(() => registryChangeFor(d('spot-check-finding', { subject: { finding: 'person-not-in-registry' } }))).toThrow(/correct the card by hand/);
    expect(() => registryChangeFor(d('spot-check-finding', { subject: { cardId: CARD, finding: 'birth-not-in-registry' }, agencyValue: { birthDate: '2026-09-01' } }))).toThrow(/sex/);
  });
});
