import { checkCharacter } from '../citizen-id';
import { countUnlinkedCauses, unlinkedCause } from './unlinked-cause';
import type { AgencyFact } from './types';

const AS_OF = '2026-12-06';
const fact = (overrides: Partial<AgencyFact> & { person?: AgencyFact['person'] }): AgencyFact => ({
  kind: 'hukou-change', event: 'death', eventDate: '2026-06-01', regionCode: '511325101201', role: 'person', person: {}, ...overrides,
});

describe('why a fact was not linked', () => {
  it.each([
    ['a man who dies', fact({ person: { sex: 'M', birthDate: '1950-02-03' } }), 'man'],
    ['a husband in a marriage record', fact({ kind: 'marriage-record', event: 'marriage', role: 'partyA', person: { sex: 'M', birthDate: '1996-02-03' } }), 'man'],
    ["a birth notice's father with no sex stated", fact({ kind: 'birth-notice', event: 'birth', role: 'father', person: { name: '王强' } }), 'man'],
    ['a newborn registered by the police', fact({ event: 'birth-registration', person: { sex: 'F', birthDate: '2026-05-20' } }), 'child'],
    ['a boy of 14 moving in', fact({ event: 'move-in', person: { sex: 'M', birthDate: '2012-06-02' } }), 'child'],
    ['a woman of 50 who dies', fact({ person: { sex: 'F', birthDate: '1976-05-31' } }), 'over-49'],
    ['a woman of 49 moving in', fact({ event: 'move-in', person: { sex: 'F', birthDate: '1976-06-02' } }), 'moved-in'],
    ['a woman of 30 marrying whom no card matches', fact({ kind: 'marriage-record', event: 'marriage', role: 'partyB', person: { sex: 'F', birthDate: '1996-01-01' } }), 'no-match'],
    ['a mother with no id, sex or birth date', fact({ kind: 'birth-notice', event: 'birth', role: 'mother', person: { name: '李娟' } }), 'no-match'],
  ])('%s: %s', (_, f, cause) => {
    expect(unlinkedCause(f, AS_OF)).toBe(cause);
  });

  it('reads sex and age from a valid citizen id when the record does not state them', () => {
    const man1960 = `51132519600101001${checkCharacter('51132519600101001')}`;
    expect(unlinkedCause(fact({ person: { citizenId: man1960 } }), AS_OF)).toBe('man');
    expect(unlinkedCause(fact({ person: { citizenId: '11010519491231002X' } }), AS_OF)).toBe('over-49');
  });

  it('counts every cause, 0 when none', () => {
    expect(countUnlinkedCauses(['man', 'man', 'no-match'])).toEqual({ man: 2, child: 0, 'over-49': 0, 'moved-in': 0, 'no-match': 1 });
  });
});
