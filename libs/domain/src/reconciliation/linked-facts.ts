/** How facts and cards meet: ids as the rules compare them, current card versions, linked facts. */
import { parseCitizenId } from '../citizen-id';
import type { AgencyFact, CardRole, IsoDate, ReconciliationIndex, RegistryCardView } from './types';

/** The 18-character form of a valid id (15-digit ids upgraded); undefined for no id or a faulty one. */
export function validCitizenId(id: string | undefined, asOf: IsoDate): string | undefined {
  if (id === undefined) return undefined;
  const parsed = parseCitizenId(id, { today: asOf });
  return parsed.ok ? parsed.value.id : undefined;
}

/** Who the fact is about: linkage's id, else the record's own id if valid. */
export function factCitizenId(fact: AgencyFact, asOf: IsoDate): string | undefined {
  return fact.personId ?? validCitizenId(fact.person.citizenId, asOf);
}

/** The highest version of each card, ordered by card id. */
export function currentCards(cards: readonly RegistryCardView[]): RegistryCardView[] {
  const current = new Map<string, RegistryCardView>();
  for (const card of cards) {
    const seen = current.get(card.cardId);
    if (seen === undefined || seen.version < card.version) current.set(card.cardId, card);
  }
  return [...current.values()].sort((a, b) => (a.cardId < b.cardId ? -1 : a.cardId > b.cardId ? 1 : 0));
}

/** A resent record is the same record: one fact per record id (or message id) and role. */
export function distinctFacts(facts: readonly AgencyFact[]): AgencyFact[] {
  const seen = new Set<string>();
  const out: AgencyFact[] = [];
  for (const fact of facts) {
    const source = fact.recordId ?? fact.messageId;
    if (source !== undefined) {
      const key = `${fact.kind}\u0000${source}\u0000${fact.role}\u0000${fact.cardId ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(fact);
  }
  return out;
}

export function cardRoleOf(fact: AgencyFact): CardRole {
  return fact.cardRole ?? 'woman';
}

/** The facts linked to this card in the given place on it (looked up in `index` when given: it must index `facts`). */
export function linkedTo(card: RegistryCardView, facts: readonly AgencyFact[], role: CardRole, index?: ReconciliationIndex): AgencyFact[] {
  if (index !== undefined) return (index.factsByCardId.get(card.cardId) ?? []).filter((fact) => cardRoleOf(fact) === role);
  return facts.filter((fact) => fact.cardId === card.cardId && cardRoleOf(fact) === role);
}

/** Record order for ties: event date, then record id. */
export function byEventDate(a: AgencyFact, b: AgencyFact): number {
  if (a.eventDate !== b.eventDate) return a.eventDate < b.eventDate ? -1 : 1;
  const ra = a.recordId ?? a.messageId ?? '';
  const rb = b.recordId ?? b.messageId ?? '';
  return ra < rb ? -1 : ra > rb ? 1 : 0;
}

/** The woman's id for a card's discrepancy keys: linkage's id for her if a fact gives one, else the card's. */
export function motherCitizenId(card: RegistryCardView, fact: AgencyFact, asOf: IsoDate): string {
  return factCitizenId(fact, asOf) ?? validCitizenId(card.woman.citizenId, asOf) ?? card.woman.citizenId;
}

/**
 * The births one source states for the card's woman as mother: birth notices from health, or
 * birth registrations from the police when they name the mother (contract v1's do not, so the
 * caller has no such fact to give). In birth-date order, so matching is deterministic.
 */
export function birthsOfMother(
  card: RegistryCardView,
  facts: readonly AgencyFact[],
  kind: AgencyFact['kind'],
  index?: ReconciliationIndex,
): BirthFact[] {
  return linkedTo(card, facts, 'woman', index)
    .filter((fact): fact is BirthFact => fact.kind === kind && fact.role === 'mother' && fact.detail?.child !== undefined)
    .sort((a, b) => (a.detail.child.birthDate < b.detail.child.birthDate ? -1 : a.detail.child.birthDate > b.detail.child.birthDate ? 1 : byEventDate(a, b)));
}

export type BirthFact = AgencyFact & { detail: { child: NonNullable<NonNullable<AgencyFact['detail']>['child']> } };

/** Birth sources a card's children are matched against, each on its own (one birth, one notice per source). */
export const BIRTH_SOURCES: readonly AgencyFact['kind'][] = ['birth-notice', 'hukou-change'];

export function birthStatement(fact: BirthFact): { sex: BirthFact['detail']['child']['sex']; birthDate: IsoDate; birthOrder?: number } {
  return { sex: fact.detail.child.sex, birthDate: fact.detail.child.birthDate, birthOrder: fact.detail.birthOrder };
}
