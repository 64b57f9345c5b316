import { birthNotInRegistry } from './birth-not-in-registry.rule';
import { birthNotNotified } from './birth-not-notified.rule';
import { birthOrderConflict } from './birth-order-conflict.rule';
import { deathNotReflected } from './death-not-reflected.rule';
import { mergeDrafts } from './discrepancy-draft';
import { identityConflict } from './identity-conflict.rule';
import { byEventDate, currentCards, distinctFacts } from './linked-facts';
import { indexReconciliation } from './reconciliation-index';
import { maritalStatusConflict } from './marital-status-conflict.rule';
import { movedInNotRegistered } from './moved-in-not-registered.rule';
import { movedOutStillRegistered } from './moved-out-still-registered.rule';
import type { AgencyFact, DiscrepancyDraft, ReconciliationConfig, ReconciliationRule, RegistryCardView } from './types';

export const RECONCILIATION_RULES: readonly ReconciliationRule[] = [
  birthNotInRegistry,
  birthNotNotified,
  birthOrderConflict,
  maritalStatusConflict,
  movedOutStillRegistered,
  movedInNotRegistered,
  deathNotReflected,
  identityConflict,
];

/**
 * Every discrepancy among the cards and facts of a set of people, ordered by key, one per key.
 * `cards` may hold several versions of a card: the highest is the registry. `facts` are already
 * linked (each with the card of its person; a birth notice's mother fact with the mother's card),
 * and must cover the people wholly: a fact about someone whose card is not given is read as a
 * person without a card.
 */
export function reconcile(
  cards: readonly RegistryCardView[],
  facts: readonly AgencyFact[],
  config: ReconciliationConfig,
): DiscrepancyDraft[] {
  const registry = currentCards(cards);
  // In event order whatever the input order, so that the values a draft quotes do not depend on it.
  const distinct = distinctFacts(facts).sort((a, b) => byEventDate(a, b) || (a.role < b.role ? -1 : a.role > b.role ? 1 : 0));
  // Indexed once for all rules: no rule scans every card per fact or every fact per card.
  const index = indexReconciliation(registry, distinct, config);
  return mergeDrafts(RECONCILIATION_RULES.flatMap((rule) => rule(registry, distinct, config, index)));
}
