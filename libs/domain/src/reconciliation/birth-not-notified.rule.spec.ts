import { birthNotNotified } from './birth-not-notified.rule';
import { aBirthNotice, aCard, aChild, aConfig } from './reconciliation-test.factory';

const BORN = '2025-06-01';

describe('birthNotNotified', () => {
  it.each([
    ['day 29', '2025-06-30', 0],
    ['day 30', '2025-07-01', 1],
    ['day 31', '2025-07-02', 1],
  ])('grace: %s', (_what, asOf, count) => {
    const card = aCard({ children: [aChild({ birthDate: BORN })] });
    expect(birthNotNotified([card], [], aConfig({ asOf }))).toHaveLength(count);
  });

  it('raises for the card child, keyed by card, birth date and sex, with the card as evidence', () => {
    const card = aCard({ children: [aChild({ sex: 'F', birthDate: BORN, birthOrder: 2 })] });
    const [draft] = birthNotNotified([card], [], aConfig());
    expect(draft.key).toBe(`birth-not-notified:XC-511325104003-00001|${BORN}|F`);
    expect(draft.evidence).toEqual({ messageIds: [], recordIds: ['RC-XC-511325104003-00001-v1'], cardId: 'XC-511325104003-00001' });
    expect(draft.registryValue).toEqual({ childBirthDate: BORN, childSex: 'F', birthOrder: 2 });
  });

  it('only for children born in the period', () => {
    const card = aCard({ children: [aChild({ birthDate: '2024-12-31' }), aChild({ birthDate: '2025-01-01' })] });
    expect(birthNotNotified([card], [], aConfig()).map((d) => d.subject.childBirthDate)).toEqual(['2025-01-01']);
  });

  it('is satisfied by a notice a day apart, even one still in its own grace', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN })] });
    expect(birthNotNotified([card], [aBirthNotice({ child: { sex: 'M', birthDate: '2025-06-02' } })], aConfig({ asOf: '2025-07-01' }))).toEqual([]);
  });

  it('twins of different sexes: one notice leaves the other child unnotified', () => {
    const card = aCard({ children: [aChild({ sex: 'M', birthDate: BORN }), aChild({ sex: 'F', birthDate: BORN, birthOrder: 2 })] });
    const drafts = birthNotNotified([card], [aBirthNotice({ child: { sex: 'M', birthDate: BORN } })], aConfig());
    expect(drafts.map((d) => d.subject.childSex)).toEqual(['F']);
  });

  it('same-sex twins: one notice accounts for one twin only', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN }), aChild({ birthDate: BORN, birthOrder: 2 })] });
    expect(birthNotNotified([card], [aBirthNotice({ child: { sex: 'M', birthDate: BORN } })], aConfig())).toHaveLength(1);
    const both = [aBirthNotice({ recordId: 'a' }), aBirthNotice({ recordId: 'b', birthOrder: 2 })];
    expect(birthNotNotified([card], both, aConfig())).toEqual([]);
  });

  it('a hukou birth registration is not a notice from health', () => {
    const card = aCard({ children: [aChild({ birthDate: BORN })] });
    const registration = aBirthNotice({ kind: 'hukou-change', event: 'birth-registration' });
    expect(birthNotNotified([card], [registration], aConfig())).toHaveLength(1);
  });
});
