import { maritalStatusConflict } from './marital-status-conflict.rule';
import { aCard, aConfig, aMarriageRecord } from './reconciliation-test.factory';

describe('maritalStatusConflict', () => {
  it('raises when a marriage newer than the card meets an unmarried card', () => {
    const card = aCard({ maritalStatus: 'unmarried', husband: undefined });
    const [draft, ...rest] = maritalStatusConflict([card], [aMarriageRecord('marriage', '2025-04-01')], aConfig());
    expect(rest).toEqual([]);
    expect(draft).toMatchObject({
      key: 'marital-status-conflict:XC-511325104003-00001',
      agencyValue: 'married',
      registryValue: 'unmarried',
      evidence: { recordIds: ['MZ-marriage-2025-04-01'], cardId: 'XC-511325104003-00001' },
    });
  });

  it('a marriage record older than the card is no conflict', () => {
    const card = aCard({ maritalStatus: 'unmarried', eventDate: '2025-05-01' });
    expect(maritalStatusConflict([card], [aMarriageRecord('marriage', '2025-04-01')], aConfig())).toEqual([]);
    // Nor one of the card's own day: the card could already show it.
    expect(maritalStatusConflict([card], [aMarriageRecord('marriage', '2025-05-01')], aConfig())).toEqual([]);
  });

  describe('remarriage: a divorce, then a new marriage', () => {
    const records = [aMarriageRecord('divorce', '2025-03-01'), aMarriageRecord('marriage', '2025-08-01')];

    it('only the latest record counts', () => {
      const card = aCard({ maritalStatus: 'divorced', eventDate: '2025-04-01' });
      const drafts = maritalStatusConflict([card], records, aConfig());
      expect(drafts.map((d) => [d.agencyValue, d.registryValue, d.evidence.recordIds])).toEqual([['married', 'divorced', ['MZ-marriage-2025-08-01']]]);
      // The card still says married from the first marriage: the latest record agrees.
      expect(maritalStatusConflict([aCard({ maritalStatus: 'married' })], records, aConfig())).toEqual([]);
    });

    it('whatever order the records come in', () => {
      const card = aCard({ maritalStatus: 'divorced', eventDate: '2025-04-01' });
      expect(maritalStatusConflict([card], [...records].reverse(), aConfig())).toHaveLength(1);
    });

    it('and only if it is newer than the card', () => {
      // Written after the remarriage yet still divorced: the card has seen the latest record, so it is not stale.
      const card = aCard({ maritalStatus: 'divorced', eventDate: '2025-09-01' });
      expect(maritalStatusConflict([card], records, aConfig())).toEqual([]);
    });
  });

  it('reads only the woman’s records linked to this card', () => {
    const card = aCard({ maritalStatus: 'married' });
    const husbands = aMarriageRecord('divorce', '2025-06-01', { cardRole: 'husband', role: 'partyA' });
    const elsewhere = aMarriageRecord('divorce', '2025-06-01', { cardId: 'other' });
    expect(maritalStatusConflict([card], [husbands, elsewhere], aConfig())).toEqual([]);
  });
});
