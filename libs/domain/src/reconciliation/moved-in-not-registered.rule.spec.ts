import { movedInNotRegistered } from './moved-in-not-registered.rule';
import { aCard, aConfig, aHukouChange, citizenIdFor, COUNTY } from './reconciliation-test.factory';

const MOVED = '2025-06-10';

function moveIn(birthDate: string, sex: 'F' | 'M' = 'F', toRegionCode = '511325104003') {
  const citizenId = citizenIdFor(birthDate, sex, 3, '510722');
  return aHukouChange('move-in', MOVED, {
    person: { citizenId, name: '王芳', sex, birthDate },
    cardId: undefined,
    detail: { fromRegionCode: '510722', toRegionCode },
  });
}

describe('movedInNotRegistered', () => {
  it.each([
    ['14 (15 tomorrow)', '2010-06-11', 0],
    ['15 today', '2010-06-10', 1],
    ['49 (50 tomorrow)', '1975-06-11', 1],
    ['50 today', '1975-06-10', 0],
  ])('a woman aged %s on the day of the move', (_age, birthDate, count) => {
    expect(movedInNotRegistered([], [moveIn(birthDate)], aConfig())).toHaveLength(count);
  });

  it('raises keyed by her id, owned by the destination village', () => {
    const fact = moveIn('1990-01-01');
    const [draft] = movedInNotRegistered([], [fact], aConfig());
    expect(draft).toMatchObject({
      key: `moved-in-not-registered:${fact.person.citizenId}`,
      regionCode: '511325104003',
      agencyValue: '511325104003',
      registryValue: null,
    });
    expect(draft.evidence.cardId).toBeUndefined();
  });

  it('not for a man, a woman with a card, or a move into another county', () => {
    const carded = moveIn('1990-01-01');
    const card = aCard({ woman: { citizenId: carded.person.citizenId!, name: '王芳', birthDate: '1990-01-01' } });
    expect(movedInNotRegistered([], [moveIn('1990-01-01', 'M')], aConfig())).toEqual([]);
    expect(movedInNotRegistered([card], [carded], aConfig())).toEqual([]);
    expect(movedInNotRegistered([], [{ ...carded, cardId: 'linked' }], aConfig())).toEqual([]);
    expect(movedInNotRegistered([], [moveIn('1990-01-01', 'F', '510722100200')], aConfig())).toEqual([]);
    expect(movedInNotRegistered([], [moveIn('1990-01-01', 'F', `${COUNTY}100200`)], aConfig())).toHaveLength(1);
  });
  it('still raises for a girl listed only as a child on her mother\'s card: she has no card of her own', () => {
    const fact = { ...moveIn('2008-11-20'), cardId: 'XC-511325104003-00001', cardRole: 'child' as const };
    expect(movedInNotRegistered([aCard()], [fact], aConfig())).toHaveLength(1);
  });

  it('waits while linkage is unsure who she is (the link review queue decides)', () => {
    expect(movedInNotRegistered([], [{ ...moveIn('1990-01-01'), linkUncertain: true }], aConfig())).toHaveLength(0);
  });
});
