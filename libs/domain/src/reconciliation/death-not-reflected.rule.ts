import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { cardRoleOf, factCitizenId } from './linked-facts';
import type { CardCitizenIds, CardRole, DiscrepancyDraft, ReconciliationIndex, ReconciliationRule, RegistryCardView } from './types';

/**
 * A hukou death of a card's woman (the card not `deceased`), of its husband (the card still
 * `married`) or of one of its children (the child still listed).
 * A person can be on several cards (a daughter on her mother's card and on her own), so besides
 * the card linkage chose, every card naming the dead person's id is checked.
 */
export const deathNotReflected: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const deaths = facts.filter((fact) => fact.kind === 'hukou-change' && fact.event === 'death');
  const deadIds = deaths.map((fact) => factCitizenId(fact, config.asOf));
  const naming = cardsNaming(new Set(deadIds.filter((id): id is string => id !== undefined)), index);
  const drafts: DiscrepancyDraft[] = [];
  deaths.forEach((fact, d) => {
    const deadId = deadIds[d];
    // Only the cards linked by card id or naming the dead id can have a role: those, in card order.
    for (const position of candidatePositions(index, naming, fact.cardId, deadId)) {
      const card = cards[position];
      const ids = index.cardCitizenIds[position];
      const role = fact.cardId === card.cardId ? cardRoleOf(fact) : roleById(ids, deadId);
      if (role === undefined) continue;
      const citizenId = deadId ?? (role === 'woman' ? card.woman.citizenId : role === 'husband' ? card.husband?.citizenId : undefined);
      if (citizenId === undefined) continue;
      const values = unreflected(card, role, citizenId, ids);
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
  });
  return drafts;
};

/** Positions (ascending, each once) of the cards naming each of these ids: woman, husband or a child. */
function cardsNaming(ids: ReadonlySet<string>, index: ReconciliationIndex): Map<string, number[]> {
  const naming = new Map<string, number[]>();
  if (ids.size === 0) return naming;
  index.cardCitizenIds.forEach((card, position) => {
    for (const id of [card.woman, card.husband, ...card.children]) {
      if (id === undefined || !ids.has(id)) continue;
      const list = naming.get(id);
      if (list === undefined) naming.set(id, [position]);
      else if (list[list.length - 1] !== position) list.push(position);
    }
  });
  return naming;
}

function candidatePositions(
  index: ReconciliationIndex,
  naming: ReadonlyMap<string, readonly number[]>,
  cardId: string | undefined,
  deadId: string | undefined,
): number[] {
  const linked = cardId === undefined ? [] : (index.cardPositionsById.get(cardId) ?? []);
  const named = deadId === undefined ? [] : (naming.get(deadId) ?? []);
  if (named.length === 0) return [...linked];
  if (linked.length === 0) return [...named];
  return [...new Set([...linked, ...named])].sort((a, b) => a - b);
}

function roleById(ids: CardCitizenIds, id: string | undefined): CardRole | undefined {
  if (id === undefined) return undefined;
  if (ids.woman === id) return 'woman';
  if (ids.husband === id) return 'husband';
  if (ids.children.some((child) => child === id)) return 'child';
  return undefined;
}

function unreflected(
  card: RegistryCardView,
  role: CardRole,
  citizenId: string,
  ids: CardCitizenIds,
): { agencyValue: unknown; registryValue: unknown } | undefined {
  switch (role) {
    case 'woman':
      return card.residenceStatus === 'deceased' ? undefined : { agencyValue: 'deceased', registryValue: card.residenceStatus };
    case 'husband':
      return card.maritalStatus === 'married' ? { agencyValue: 'widowed', registryValue: card.maritalStatus } : undefined;
    case 'child': {
      // Taking the child off the card is how a card reflects a child's death.
      const listed = ids.children.some((child) => child === citizenId);
      return listed ? { agencyValue: 'deceased', registryValue: 'listed' } : undefined;
    }
  }
}

