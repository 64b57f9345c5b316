import { makeDraft } from './discrepancy-draft';
import { cardRoleOf, factCitizenId, validCitizenId } from './linked-facts';
import type { CardRole, DiscrepancyDraft, ReconciliationConfig, ReconciliationRule, RegistryCardView } from './types';

/**
 * A hukou death of a card's woman (the card not `deceased`), of its husband (the card still
 * `married`) or of one of its children (the child still listed).
 * A person can be on several cards (a daughter on her mother's card and on her own), so besides
 * the card linkage chose, every card naming the dead person's id is checked.
 */
export const deathNotReflected: ReconciliationRule = (cards, facts, config) => {
  const drafts: DiscrepancyDraft[] = [];
  for (const fact of facts) {
    if (fact.kind !== 'hukou-change' || fact.event !== 'death') continue;
    const deadId = factCitizenId(fact, config.asOf);
    for (const card of cards) {
      const role = fact.cardId === card.cardId ? cardRoleOf(fact) : roleById(card, deadId, config);
      if (role === undefined) continue;
      const citizenId = deadId ?? (role === 'woman' ? card.woman.citizenId : role === 'husband' ? card.husband?.citizenId : undefined);
      if (citizenId === undefined) continue;
      const values = unreflected(card, role, citizenId, config);
      if (values === undefined) continue;
      drafts.push(
        makeDraft(
          {
            kind: 'death-not-reflected',
            subject: { cardId: card.cardId, citizenId },
            regionCode: card.regionCode,
            facts: [fact],
            card,
            ...values,
          },
          config,
        ),
      );
    }
  }
  return drafts;
};

function roleById(card: RegistryCardView, id: string | undefined, config: ReconciliationConfig): CardRole | undefined {
  if (id === undefined) return undefined;
  const same = (other: string | undefined) => validCitizenId(other, config.asOf) === id;
  if (same(card.woman.citizenId)) return 'woman';
  if (same(card.husband?.citizenId)) return 'husband';
  if (card.children.some((child) => same(child.citizenId))) return 'child';
  return undefined;
}

function unreflected(
  card: RegistryCardView,
  role: CardRole,
  citizenId: string,
  config: ReconciliationConfig,
): { agencyValue: unknown; registryValue: unknown } | undefined {
  switch (role) {
    case 'woman':
      return card.residenceStatus === 'deceased' ? undefined : { agencyValue: 'deceased', registryValue: card.residenceStatus };
    case 'husband':
      return card.maritalStatus === 'married' ? { agencyValue: 'widowed', registryValue: card.maritalStatus } : undefined;
    case 'child': {
      // Taking the child off the card is how a card reflects a child's death.
      const listed = card.children.some((child) => validCitizenId(child.citizenId, config.asOf) === citizenId);
      return listed ? { agencyValue: 'deceased', registryValue: 'listed' } : undefined;
    }
  }
}

