import { birthGracePassed, inPeriod } from './birth-grace';
import { matchChildren } from './child-match';
import { birthStatement } from './linked-facts';
import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { birthsOfMother } from './linked-facts';
import type { DiscrepancyDraft, ReconciliationRule } from './types';

/** A child on a card, born in the period, with no birth notice from health once the grace period has passed. */
export const birthNotNotified: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const card of cards) {
    // Every notice of the mother, graced or not, accounts for one child.
    const notices = birthsOfMother(card, facts, 'birth-notice', index);
    const notified = new Set(matchChildren(notices.map(birthStatement), card.children));
    card.children.forEach((child, index) => {
      if (notified.has(index) || !inPeriod(child.birthDate, config) || !birthGracePassed(child.birthDate, config)) return;
      drafts.push(
        makeDraft(
          {
            kind: 'birth-not-notified',
            subject: { cardId: card.cardId, childBirthDate: child.birthDate, childSex: child.sex },
            regionCode: card.regionCode,
            card,
            evidenceCards: [card],
            agencyValue: null,
            registryValue: { childBirthDate: child.birthDate, childSex: child.sex, birthOrder: child.birthOrder },
          },
          config,
        ),
      );
    });
  }
  return drafts;
};
