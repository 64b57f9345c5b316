import { reconcile } from './reconcile';
import { aBirthNotice, aCard, aChild, aConfig, aHukouChange, aMarriageRecord, citizenIdFor, HUSBAND_ID, WOMAN_ID } from './reconciliation-test.factory';
import type { AgencyFact, RegistryCardView } from './types';

/** A hand-made county: two cards (one in two versions) and the year's agency facts about their people and two newcomers. */
const B_ID = citizenIdFor('1988-07-15', 'F', 2);
const B_HUSBAND = citizenIdFor('1985-01-30', 'M', 2);
const NEWCOMER = citizenIdFor('1995-09-09', 'F', 4, '510722');
const TOO_OLD = citizenIdFor('1975-06-10', 'F', 6, '510722');

const cardA = aCard({
  cardId: 'A',
  recordId: 'RC-A-v1',
  eventDate: '2025-09-20',
  children: [aChild({ sex: 'F', birthDate: '2025-03-10', birthOrder: 1 }), aChild({ sex: 'M', birthDate: '2025-09-01', birthOrder: 2 })],
});
const cardBv1 = aCard({
  cardId: 'B',
  version: 1,
  recordId: 'RC-B-v1',
  regionCode: '511325105201',
  woman: { citizenId: B_ID, name: '陈丽', birthDate: '1988-07-15' },
  husband: { citizenId: B_HUSBAND, name: '周杰', sex: 'M', birthDate: '1985-01-30' },
});
const cardBv2: RegistryCardView = { ...cardBv1, version: 2, recordId: 'RC-B-v2', eventDate: '2025-05-01', woman: { ...cardBv1.woman, name: '陈莉' } };

const notice = (child: { sex: 'M' | 'F'; birthDate: string }, birthOrder: number, recordId: string): AgencyFact =>
  aBirthNotice({ cardId: 'A', child, birthOrder, recordId });
const father = (recordId: string, name: string): AgencyFact => ({
  ...aBirthNotice({ cardId: 'A', recordId, cardRole: 'husband' }),
  role: 'father',
  person: { citizenId: HUSBAND_ID, name, sex: 'M', birthDate: '1993-11-20' },
  detail: undefined,
});
const inB = { cardId: 'B', regionCode: '511325105201' };

const facts: AgencyFact[] = [
  // A: the first child notified with another order (and the notice resent), the second not notified.
  notice({ sex: 'F', birthDate: '2025-03-11' }, 2, 'CS-1'),
  father('CS-1', '李強'),
  notice({ sex: 'F', birthDate: '2025-03-11' }, 2, 'CS-1'),
  // A: a third child the card lacks, graced by 31 December; a fourth still in grace.
  notice({ sex: 'F', birthDate: '2025-11-20' }, 3, 'CS-2'),
  father('CS-2', '李墙'),
  notice({ sex: 'M', birthDate: '2025-12-15' }, 4, 'CS-3'),
  // A: divorced after the card was last written.
  aMarriageRecord('marriage', '2018-05-01', { cardId: 'A', recordId: 'MZ-1' }),
  aMarriageRecord('divorce', '2025-10-01', { cardId: 'A', recordId: 'MZ-2' }),
  // B: moved out and her husband died; the card (v2) shows neither.
  aHukouChange('move-out', '2025-07-01', { ...inB, person: { citizenId: B_ID, name: '陈莉', sex: 'F', birthDate: '1988-07-15' }, recordId: 'HJ-1' }),
  aHukouChange('death', '2025-08-01', { ...inB, cardRole: 'husband', person: { citizenId: B_HUSBAND, name: '周傑', sex: 'M', birthDate: '1985-01-30' }, recordId: 'HJ-2' }),
  // Two women move in: one of 29 without a card, one of 50.
  aHukouChange('move-in', '2025-04-01', { cardId: undefined, person: { citizenId: NEWCOMER, name: '王芳', sex: 'F', birthDate: '1995-09-09' }, detail: { toRegionCode: '511325104003' }, recordId: 'HJ-3' }),
  aHukouChange('move-in', '2025-06-10', { cardId: undefined, person: { citizenId: TOO_OLD, name: '赵敏', sex: 'F', birthDate: '1975-06-10' }, detail: { toRegionCode: '511325104003' }, recordId: 'HJ-4' }),
];

describe('reconcile over a tiny county', () => {
  const drafts = reconcile([cardA, cardBv2, cardBv1], facts, aConfig({ asOf: '2025-12-31' }));

  it('finds exactly these discrepancies, in key order', () => {
    expect(drafts.map((d) => d.key)).toEqual([
      `birth-not-in-registry:${WOMAN_ID}|2025-11-20|F`,
      'birth-not-notified:A|2025-09-01|M',
      `birth-order-conflict:${WOMAN_ID}|2025-03-11|F`,
      `death-not-reflected:B|${B_HUSBAND}`,
      `identity-conflict:${HUSBAND_ID}|name`,
      'marital-status-conflict:A',
      'moved-in-not-registered:' + NEWCOMER,
      'moved-out-still-registered:B',
    ]);
  });

  it('reads the current card version only, and a resent record once', () => {
    // v1 of card B names her 陈丽, the agencies 陈莉 as v2 does: no identity conflict.
    expect(drafts.find((d) => d.key === 'moved-out-still-registered:B')?.evidence).toEqual({ messageIds: [], recordIds: ['HJ-1'], cardId: 'B' });
    expect(drafts.find((d) => d.kind === 'birth-order-conflict')?.evidence.recordIds).toEqual(['CS-1']);
  });

  it('explains the identity conflict with both notices and the card', () => {
    const conflict = drafts.find((d) => d.kind === 'identity-conflict')!;
    expect(conflict).toMatchObject({ agencyValue: '李墙', registryValue: '李强', regionCode: '511325104003' });
    expect(conflict.evidence.recordIds).toEqual(['CS-1', 'CS-2', 'RC-A-v1']);
  });

  it('gives every discrepancy the same due date, 15 working days after as-of', () => {
    expect(new Set(drafts.map((d) => d.dueAt))).toEqual(new Set(['2026-01-21']));
  });

  it('is deterministic: the same result whatever the input order', () => {
    expect(reconcile([cardBv1, cardA, cardBv2], [...facts].reverse(), aConfig())).toEqual(drafts);
  });
});
