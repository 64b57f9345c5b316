import { isUnlinkedRecord, linkFact, personKey, registryLinker, registryLinkTargets, unlinkedRecordDraft, withLink } from './registry-linkage';
import { aBirthNotice, aCard, aChild, aConfig, aHukouChange, citizenIdFor, WOMAN_ID } from './reconciliation-test.factory';

const ASOF = '2025-12-31';

describe('registryLinkTargets', () => {
  it('makes the woman, husband and each child of a card a target, keyed by place', () => {
    const card = aCard({ children: [aChild(), aChild({ sex: 'F', birthDate: '2024-02-02', birthOrder: 2 })] });
    expect(registryLinkTargets([card], ASOF).map((t) => t.personId)).toEqual([
      `${card.cardId}#woman`, `${card.cardId}#husband`, `${card.cardId}#child:0`, `${card.cardId}#child:1`,
    ]);
  });

  it('keeps one target per valid id: a woman at her own card before the same id as a child on her mother\'s', () => {
    const daughterId = citizenIdFor('2000-01-01', 'F', 7);
    const mother = aCard({ cardId: 'M', children: [aChild({ citizenId: daughterId, sex: 'F', birthDate: '2000-01-01' })] });
    const own = aCard({ cardId: 'D', woman: { citizenId: daughterId, name: '李娜', sex: 'F', birthDate: '2000-01-01' }, husband: undefined });
    const targets = registryLinkTargets([mother, own], ASOF).filter((t) => t.validCitizenId === daughterId);
    expect(targets.map((t) => t.personId)).toEqual([personKey('D', 'woman')]);
  });
});

describe('linking a fact and reading it linked', () => {
  const card = aCard();
  const linker = registryLinker([card], ASOF);

  it('ties a move-out with the woman\'s id to her card', () => {
    const fact = aHukouChange('move-out', '2025-03-01', { cardId: undefined });
    const result = linkFact(fact, linker);
    expect(result).toMatchObject({ decision: 'link', method: 'citizen-id', personId: personKey(card.cardId, 'woman') });
    expect(withLink(fact, linker.targets.get(result.personId!), ASOF)).toMatchObject({ cardId: card.cardId, cardRole: 'woman' });
  });

  it('gives a mother without an id the registry\'s id, so discrepancy keys name her', () => {
    const notice = aBirthNotice({ cardId: undefined, person: { name: '张秀英', sex: 'F', birthDate: '1995-03-08' } });
    const result = linkFact(notice, linker);
    expect(result.decision).toBe('link');
    expect(withLink(notice, linker.targets.get(result.personId!), ASOF)).toMatchObject({ personId: WOMAN_ID, cardId: card.cardId });
  });

  it('does not tie a birth notice\'s mother to a card where she is only a child', () => {
    const motherId = citizenIdFor('2000-01-01', 'F', 9);
    const parents = aCard({ cardId: 'P', children: [aChild({ citizenId: motherId, sex: 'F', birthDate: '2000-01-01' })] });
    const l = registryLinker([parents], ASOF);
    const notice = aBirthNotice({ cardId: undefined, person: { citizenId: motherId, name: '王丽', sex: 'F', birthDate: '2000-01-01' } });
    const result = linkFact(notice, l);
    expect(result.decision).toBe('link');
    expect(withLink(notice, l.targets.get(result.personId!), ASOF).cardId).toBeUndefined();
  });

  it('marks a fact linkage was unsure of, without tying it to any card', () => {
    const fact = aHukouChange('move-in', '2025-03-01', { cardId: undefined });
    expect(withLink(fact, undefined, ASOF, true)).toMatchObject({ linkUncertain: true });
    expect(withLink(fact, undefined, ASOF, true).cardId).toBeUndefined();
  });
});

describe('unlinked records', () => {
  const notice = { ...aBirthNotice({ cardId: undefined, person: { name: '无名' } }), messageId: '7b4c2d1e-0000-4000-8000-000000000001' };
  const none = { method: 'probabilistic' as const, decision: 'non-link' as const, weights: {}, candidates: 0 };

  it('are the reviews, and the mothers nobody could be found for; not men or newcomers', () => {
    expect(isUnlinkedRecord(notice, { ...none, decision: 'review', personId: 'X#woman', score: 15 })).toBe(true);
    expect(isUnlinkedRecord(notice, none)).toBe(true);
    expect(isUnlinkedRecord({ ...notice, role: 'father' }, none)).toBe(false);
    expect(isUnlinkedRecord(aHukouChange('move-in', '2025-03-01'), none)).toBe(false);
  });

  it('are keyed by message and role, owned by the record\'s village, and name the candidate', () => {
    const draft = unlinkedRecordDraft(notice, { ...none, decision: 'review', personId: 'X#woman', score: 15 }, aConfig());
    expect(draft).toMatchObject({
      kind: 'unlinked-record', key: `unlinked-record:${notice.messageId}|mother`, regionCode: notice.regionCode,
      registryValue: { candidate: 'X#woman', score: 15 }, evidence: { messageIds: [notice.messageId] },
    });
  });
});
