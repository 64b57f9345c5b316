/**
 * Lookups built once per reconciliation run, so that each rule reads what it needs for a card or a
 * fact without scanning every card or fact again: linear in the size of the county.
 */
import { normaliseName } from '../person-name';
import { validCitizenId } from './linked-facts';
import type { AgencyFact, CardCitizenIds, ReconciliationConfig, ReconciliationIndex, RegistryCardView } from './types';

export function indexReconciliation(
  cards: readonly RegistryCardView[],
  facts: readonly AgencyFact[],
  config: ReconciliationConfig,
): ReconciliationIndex {
  const names = new Map<string, string>();
  const normalisedName = (name: string): string => {
    let normalised = names.get(name);
    if (normalised === undefined) {
      normalised = normaliseName(name);
      names.set(name, normalised);
    }
    return normalised;
  };

  const factsByCardId = new Map<string, AgencyFact[]>();
  for (const fact of facts) {
    if (fact.cardId === undefined) continue;
    const list = factsByCardId.get(fact.cardId);
    if (list === undefined) factsByCardId.set(fact.cardId, [fact]);
    else list.push(fact);
  }

  const cardPositionsById = new Map<string, number[]>();
  const cardCitizenIds: CardCitizenIds[] = [];
  cards.forEach((card, position) => {
    const list = cardPositionsById.get(card.cardId);
    if (list === undefined) cardPositionsById.set(card.cardId, [position]);
    else list.push(position);
    cardCitizenIds.push({
      woman: validCitizenId(card.woman.citizenId, config.asOf),
      husband: validCitizenId(card.husband?.citizenId, config.asOf),
      children: card.children.map((child) => validCitizenId(child.citizenId, config.asOf)),
    });
  });

  return { cards, facts, factsByCardId, cardPositionsById, cardCitizenIds, normalisedName };
}
