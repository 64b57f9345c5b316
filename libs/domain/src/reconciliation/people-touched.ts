/**
 * Who a fact or a card is about, for a run over some people only: the ids by which the rules meet
 * them (identity statements, deaths, moves), so that a run can read every card and fact of those
 * people and nothing else.
 */
import { validCitizenId } from './linked-facts';
import type { AgencyFact, IsoDate, RegistryCardView } from './types';

/** The ids a fact names: as written, in its valid 18-character form, and linkage's id for the person. */
export function idsStatedBy(fact: AgencyFact, asOf: IsoDate): string[] {
  return withForms([fact.person.citizenId, fact.personId], asOf);
}

/** The ids a card names: its woman's, her husband's and her children's. */
export function idsOnCard(card: RegistryCardView, asOf: IsoDate): string[] {
  return withForms([card.woman.citizenId, card.husband?.citizenId, ...card.children.map((c) => c.citizenId)], asOf);
}

/**
 * Every form an id may be stored in: as given, its valid 18-character form, and the 15-character
 * form it had before 1999 (a record may still carry it), so that a look-up by any form finds the rest.
 */
function withForms(ids: readonly (string | undefined)[], asOf: IsoDate): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    if (id === undefined || id === '') continue;
    out.add(id);
    const valid = validCitizenId(id, asOf);
    if (valid === undefined) continue;
    out.add(valid);
    if (valid.slice(6, 8) === '19') out.add(valid.slice(0, 6) + valid.slice(8, 17));
  }
  return [...out];
}
