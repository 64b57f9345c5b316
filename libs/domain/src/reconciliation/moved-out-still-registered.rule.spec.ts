import { movedOutStillRegistered } from './moved-out-still-registered.rule';
import { aBirthNotice, aCard, aConfig, aHukouChange } from './reconciliation-test.factory';

describe('movedOutStillRegistered', () => {
  it('raises for a move-out of a woman whose card still says resident', () => {
    const [draft] = movedOutStillRegistered([aCard()], [aHukouChange('move-out', '2025-06-10')], aConfig());
    expect(draft).toMatchObject({ key: 'moved-out-still-registered:XC-511325104003-00001', agencyValue: 'moved-out', registryValue: 'resident' });
  });

  it.each(['moved-out', 'floating-out', 'deceased'] as const)('not when the card says %s', (residenceStatus) => {
    expect(movedOutStillRegistered([aCard({ residenceStatus })], [aHukouChange('move-out', '2025-06-10')], aConfig())).toEqual([]);
  });

  it('a child born just before the move-out does not change the move', () => {
    const facts = [aBirthNotice({ child: { sex: 'F', birthDate: '2025-06-05' } }), aHukouChange('move-out', '2025-06-10')];
    expect(movedOutStillRegistered([aCard()], facts, aConfig()).map((d) => d.evidence.recordIds)).toEqual([['HJ-move-out-2025-06-10']]);
  });

  it('not for the move of the husband or someone on another card', () => {
    const husband = aHukouChange('move-out', '2025-06-10', { cardRole: 'husband' });
    const other = aHukouChange('move-out', '2025-06-10', { cardId: 'other' });
    expect(movedOutStillRegistered([aCard()], [husband, other], aConfig())).toEqual([]);
  });
});
