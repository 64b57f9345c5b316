import { idsOnCard, idsStatedBy } from './people-touched';
import { HUSBAND_ID, WOMAN_ID, aCard, aChild, aHukouChange, citizenIdFor } from './reconciliation-test.factory';

const AS_OF = '2025-12-31';

describe('the ids a fact or a card names (what an incremental run looks people up by)', () => {
  it("a card names its woman, her husband and her children, each in every stored form", () => {
    const child = citizenIdFor('2016-03-02', 'M', 5);
    const ids = idsOnCard(aCard({ children: [aChild({ citizenId: child })] }), AS_OF);
    expect(ids).toEqual(expect.arrayContaining([WOMAN_ID, HUSBAND_ID, child]));
    // A woman born in the 1900s may still be written with her 15-digit id: it is looked up too.
    expect(ids).toContain(WOMAN_ID.slice(0, 6) + WOMAN_ID.slice(8, 17));
  });

  it("a fact names its person as written and as linkage found her; a faulty id only as written", () => {
    expect(idsStatedBy(aHukouChange('move-out', '2025-08-01', { person: { citizenId: WOMAN_ID, name: '周婷' } }), AS_OF)).toEqual(expect.arrayContaining([WOMAN_ID]));
    const faulty = WOMAN_ID.slice(0, 17) + (WOMAN_ID[17] === '0' ? '1' : '0');
    expect(idsStatedBy(aHukouChange('move-out', '2025-08-01', { person: { citizenId: faulty, name: '周婷' }, personId: WOMAN_ID }), AS_OF).sort()).toEqual(
      [faulty, WOMAN_ID, WOMAN_ID.slice(0, 6) + WOMAN_ID.slice(8, 17)].sort(),
    );
    expect(idsStatedBy(aHukouChange('move-out', '2025-08-01', { person: { name: '周婷' } }), AS_OF)).toEqual([]);
  });
});
