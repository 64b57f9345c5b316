import { birthGracePassed } from './birth-grace';
import { matchChildren } from './child-match';
import { birthStatement } from './linked-facts';
import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { BIRTH_SOURCES, birthsOfMother, motherCitizenId } from './linked-facts';
import type { DiscrepancyDraft, ReconciliationRule } from './types';

/**
 * A birth record names a mother whose card lacks the child (same sex, birth date ±1 day, each
 * card child accounting for one birth per source), once the birth's grace period has passed.
 */
export const birthNotInRegistry: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const card of cards) {
    for (const source of BIRTH_SOURCES) {
      const births = birthsOfMother(card, facts, source, index);
      const matched = matchChildren(births.map(birthStatement), card.children);
      births.forEach((birth, i) => {
        const { birthDate, sex } = birth.detail.child;
        if (matched[i] >= 0 || !birthGracePassed(birthDate, config)) return;
        drafts.push(
          makeDraft(
            {
              kind: 'birth-not-in-registry',
              subject: { motherCitizenId: motherCitizenId(card, birth, config.asOf), childBirthDate: birthDate, childSex: sex },
              regionCode: card.regionCode,
              facts: [birth],
              card,
              agencyValue: { childBirthDate: birthDate, childSex: sex },
              registryValue: null,
            },
            config,
          ),
        );
      });
    }
  }
  return drafts;
};
