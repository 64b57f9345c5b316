import { matchChildren } from './child-match';
import { birthStatement } from './linked-facts';
import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { birthsOfMother, motherCitizenId } from './linked-facts';
import type { DiscrepancyDraft, ReconciliationRule } from './types';

/** A birth notice's birth order differs from the order of its child on the mother's card (no grace: both sides are known). */
export const birthOrderConflict: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const card of cards) {
    const notices = birthsOfMother(card, facts, 'birth-notice', index);
    const matched = matchChildren(notices.map(birthStatement), card.children);
    notices.forEach((notice, i) => {
      const order = notice.detail.birthOrder;
      const child = matched[i] >= 0 ? card.children[matched[i]] : undefined;
      if (child === undefined || order === undefined || order === child.birthOrder) return;
      const { birthDate, sex } = notice.detail.child;
      drafts.push(
        makeDraft(
          {
            kind: 'birth-order-conflict',
            subject: { motherCitizenId: motherCitizenId(card, notice, config.asOf), childBirthDate: birthDate, childSex: sex },
            regionCode: card.regionCode,
            facts: [notice],
            card,
            agencyValue: order,
            registryValue: child.birthOrder,
          },
          config,
        ),
      );
    });
  }
  return drafts;
};
