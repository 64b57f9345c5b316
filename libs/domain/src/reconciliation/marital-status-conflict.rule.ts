import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { byEventDate, linkedTo } from './linked-facts';
import type { DiscrepancyDraft, MaritalStatus, ReconciliationRule } from './types';

const STATUS_AFTER: Readonly<Record<string, MaritalStatus>> = { marriage: 'married', divorce: 'divorced' };

/**
 * The latest marriage or divorce registration of the card's woman disagrees with the card's
 * marital status. Only the latest counts (a divorce then a remarriage: the remarriage), and only
 * when it is newer than the card: a card written after it already had the chance to show it.
 */
export const maritalStatusConflict: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const card of cards) {
    const registrations = linkedTo(card, facts, 'woman', index)
      .filter((fact) => fact.kind === 'marriage-record' && STATUS_AFTER[fact.event] !== undefined)
      .sort(byEventDate);
    const latest = registrations.at(-1);
    if (latest === undefined || latest.eventDate <= card.eventDate) continue;
    const status = STATUS_AFTER[latest.event];
    if (status === card.maritalStatus) continue;
    drafts.push(
      makeDraft(
        {
          kind: 'marital-status-conflict',
          subject: { cardId: card.cardId },
          regionCode: card.regionCode,
          facts: [latest],
          card,
          agencyValue: status,
          registryValue: card.maritalStatus,
        },
        config,
      ),
    );
  }
  return drafts;
};
