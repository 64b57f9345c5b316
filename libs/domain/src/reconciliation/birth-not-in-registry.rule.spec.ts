import { birthNotInRegistry } from './birth-not-in-registry.rule';
import { aBirthNotice, aCard, aChild, aConfig, aHukouChange, citizenIdFor, WOMAN_ID } from './reconciliation-test.factory';

const BORN = '2025-06-01';

describe('birthNotInRegistry', () => {
  it.each([
    ['day 29: still in grace', '2025-06-30', 0],
    ['day 30: grace passed (birthDate + 30 <= asOf)', '2025-07-01', 1],
    ['day 31', '2025-07-02', 1],
  ])('%s', (_what, asOf, count) => {
    const drafts = birthNotInRegistry([aCard()], [aBirthNotice({ child: { sex: 'F', birthDate: BORN } })], aConfig({ asOf }));
    expect(drafts).toHaveLength(count);
  });

  it('raises with the subject key, the card, the evidence and the due date', () => {
    const [draft] = birthNotInRegistry([aCard()], [aBirthNotice({ child: { sex: 'F', birthDate: BORN }, messageId: 'm-1' })], aConfig());
    expect(draft).toEqual({
      kind: 'birth-not-in-registry',
      key: `birth-not-in-registry:${WOMAN_ID}|${BORN}|F`,
      subject: { motherCitizenId: WOMAN_ID, childBirthDate: BORN, childSex: 'F' },
      regionCode: '511325104003',
      townshipCode: '511325104',
      evidence: { messageIds: ['m-1'], recordIds: [`CS-${BORN}-F`], cardId: 'XC-511325104003-00001' },
      agencyValue: { childBirthDate: BORN, childSex: 'F' },
      registryValue: null,
      dueAt: '2026-01-21',
    });
  });

  it('is satisfied by a card child of the same sex born a day apart', () => {
    const card = aCard({ children: [aChild({ sex: 'F', birthDate: '2025-06-02' })] });
    expect(birthNotInRegistry([card], [aBirthNotice({ child: { sex: 'F', birthDate: BORN } })], aConfig())).toEqual([]);
  });

  it('is not satisfied by a child of the other sex', () => {
    const card = aCard({ children: [aChild({ sex: 'M', birthDate: BORN })] });
    expect(birthNotInRegistry([card], [aBirthNotice({ child: { sex: 'F', birthDate: BORN } })], aConfig())).toHaveLength(1);
  });

  it('twins: one card child does not answer two notices', () => {
    const twins = [
      aBirthNotice({ child: { sex: 'M', birthDate: BORN }, birthOrder: 1, recordId: 'CS-1' }),
      aBirthNotice({ child: { sex: 'M', birthDate: BORN }, birthOrder: 2, recordId: 'CS-2' }),
    ];
    const one = aCard({ children: [aChild({ sex: 'M', birthDate: BORN, birthOrder: 1 })] });
    const both = aCard({ children: [aChild({ sex: 'M', birthDate: BORN, birthOrder: 1 }), aChild({ sex: 'M', birthDate: BORN, birthOrder: 2 })] });
    const drafts = birthNotInRegistry([one], twins, aConfig());
    expect(drafts).toHaveLength(1);
    expect(drafts[0].evidence.recordIds).toEqual(['CS-2']);
    expect(birthNotInRegistry([both], twins, aConfig())).toEqual([]);
  });

  it('a child born just before a move-out still has to be on the card', () => {
    const card = aCard({ version: 2, eventDate: '2025-06-20', residenceStatus: 'moved-out' });
    const facts = [aBirthNotice({ child: { sex: 'F', birthDate: '2025-06-05' } }), aHukouChange('move-out', '2025-06-10')];
    const drafts = birthNotInRegistry([card], facts, aConfig());
    expect(drafts.map((d) => d.key)).toEqual([`birth-not-in-registry:${WOMAN_ID}|2025-06-05|F`]);
  });

  it('keys a mother without a valid id on the notice by linkage, else by her card', () => {
    const noId = aBirthNotice({ child: { sex: 'F', birthDate: BORN }, person: { name: '张秀英', sex: 'F' } });
    expect(birthNotInRegistry([aCard()], [noId], aConfig())[0].subject.motherCitizenId).toBe(WOMAN_ID);
    const trueId = citizenIdFor('1995-03-08', 'F', 7);
    expect(birthNotInRegistry([aCard()], [{ ...noId, personId: trueId }], aConfig())[0].subject.motherCitizenId).toBe(trueId);
  });

  it('ignores notices linked to another card, and hukou birth registrations that name no mother', () => {
    const elsewhere = aBirthNotice({ child: { sex: 'F', birthDate: BORN }, cardId: 'other' });
    const registration = aHukouChange('birth-registration', BORN, { person: { sex: 'F', birthDate: BORN, name: '李小红' }, cardId: undefined });
    expect(birthNotInRegistry([aCard()], [elsewhere, registration], aConfig())).toEqual([]);
  });

  it('reads a birth registration that does name the mother like a notice', () => {
    const registration = aHukouChange('birth-registration', BORN, { role: 'mother', detail: { child: { sex: 'F', birthDate: BORN } } });
    expect(birthNotInRegistry([aCard()], [registration], aConfig())).toHaveLength(1);
  });
});
