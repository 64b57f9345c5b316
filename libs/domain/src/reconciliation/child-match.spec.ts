import { matchChildren } from './child-match';
import { aChild } from './reconciliation-test.factory';

describe('matchChildren', () => {
  it('matches the same sex within one day, not two', () => {
    const children = [aChild({ birthDate: '2025-06-01', sex: 'F' })];
    expect(matchChildren([{ sex: 'F', birthDate: '2025-06-02' }], children)).toEqual([0]);
    expect(matchChildren([{ sex: 'F', birthDate: '2025-05-31' }], children)).toEqual([0]);
    expect(matchChildren([{ sex: 'F', birthDate: '2025-06-03' }], children)).toEqual([-1]);
    expect(matchChildren([{ sex: 'M', birthDate: '2025-06-01' }], children)).toEqual([-1]);
  });

  it('lets one child account for one birth only (twins)', () => {
    const twin = { sex: 'M' as const, birthDate: '2025-06-01' };
    expect(matchChildren([twin, twin], [aChild(twin)])).toEqual([0, -1]);
    expect(matchChildren([twin, twin], [aChild({ ...twin, birthOrder: 1 }), aChild({ ...twin, birthOrder: 2 })])).toEqual([0, 1]);
  });

  it('finds a pairing for every birth when one exists, preferring the closest date', () => {
    // A greedy closest-first pairing would give the child of 06-02 to the birth of 06-02 and leave 06-01 without.
    const births = [{ sex: 'F' as const, birthDate: '2025-06-01' }, { sex: 'F' as const, birthDate: '2025-06-02' }];
    const children = [aChild({ sex: 'F', birthDate: '2025-06-02' }), aChild({ sex: 'F', birthDate: '2025-06-03', birthOrder: 2 })];
    expect(matchChildren(births, children)).toEqual([0, 1]);
    expect(matchChildren([births[1]], [aChild({ sex: 'F', birthDate: '2025-06-01' }), aChild({ sex: 'F', birthDate: '2025-06-02' })])).toEqual([1]);
  });
});
