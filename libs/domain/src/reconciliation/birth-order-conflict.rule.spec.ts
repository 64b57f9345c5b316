import { birthOrderConflict } from './birth-order-conflict.rule';
import { aBirthNotice, aCard, aChild, aConfig, WOMAN_ID } from './reconciliation-test.factory';

const BORN = '2025-06-01';

describe('birthOrderConflict', () => {
  it('raises when the notice and the card disagree on the order, with no grace', () => {
    const card = aCard({ children: [aChild({ birthDate: '2021-03-01' }), aChild({ birthDate: BORN, birthOrder: 2 })] });
    const drafts = birthOrderConflict([card], [aBirthNotice({ birthOrder: 1 })], aConfig({ asOf: '2025-06-02' }));
    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({ key: `birth-order-conflict:${WOMAN_ID}|${BORN}|M`, agencyValue: 1, registryValue: 2 });
  });

  it('agrees, or has no child to compare with', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN, birthOrder: 1 })] });
    expect(birthOrderConflict([card], [aBirthNotice({ birthOrder: 1 })], aConfig())).toEqual([]);
    expect(birthOrderConflict([aCard()], [aBirthNotice({ birthOrder: 3 })], aConfig())).toEqual([]);
  });

  it('twins: each notice is compared with its own child', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN, birthOrder: 1 }), aChild({ birthDate: BORN, birthOrder: 2 })] });
    const right = [aBirthNotice({ recordId: 'a', birthOrder: 1 }), aBirthNotice({ recordId: 'b', birthOrder: 2 })];
    expect(birthOrderConflict([card], right, aConfig())).toEqual([]);
  });
});

describe('birthOrderConflict, twins whose notices arrive in either order', () => {
  it('pairs each notice with the twin of its own order', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN, birthOrder: 1 }), aChild({ birthDate: BORN, birthOrder: 2 })] });
    const reversed = [aBirthNotice({ recordId: 'a', birthOrder: 2 }), aBirthNotice({ recordId: 'b', birthOrder: 1 })];
    expect(birthOrderConflict([card], reversed, aConfig())).toEqual([]);
  });
});
