import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { linkedTo } from './linked-facts';
import type { DiscrepancyDraft, ReconciliationRule } from './types';

/** A hukou move-out of a woman whose card still says `resident` in this county. */
export const movedOutStillRegistered: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const card of cards) {
    if (card.residenceStatus !== 'resident') continue;
    const moves = linkedTo(card, facts, 'woman', index).filter((fact) => fact.kind === 'hukou-change' && fact.event === 'move-out');
    if (moves.length === 0) continue;
    drafts.push(
      makeDraft(
        {
          kind: 'moved-out-still-registered',
          subject: { cardId: card.cardId },
          regionCode: card.regionCode,
          facts: moves,
          card,
          agencyValue: 'moved-out',
          registryValue: 'resident',
        },
        config,
      ),
    );
  }
  return drafts;
};
