import { parseCitizenId } from '../citizen-id';
import { makeDraft } from './discrepancy-draft';
import { indexReconciliation } from './reconciliation-index';
import { ageOn } from './iso-day';
import { cardRoleOf, factCitizenId } from './linked-facts';
import type { DiscrepancyDraft, ReconciliationRule } from './types';

/** Women of these ages (completed years, on the day of the move) must have a card. */
export const CARD_MIN_AGE = 15;
export const CARD_MAX_AGE = 49;

/** A hukou move into the county of a woman aged 15–49 on the day of the move, who has no card. */
export const movedInNotRegistered: ReconciliationRule = (cards, facts, config, index = indexReconciliation(cards, facts, config)) => {
  const carded = new Set(cards.map((card, position) => index.cardCitizenIds[position].woman ?? card.woman.citizenId));
  const drafts: DiscrepancyDraft[] = [];
  for (const fact of facts) {
    if (fact.kind !== 'hukou-change' || fact.event !== 'move-in' || fact.linkUncertain) continue;
    // A card of her own, that is: a girl listed as a child on her mother's card still needs one.
    if (fact.cardId !== undefined && cardRoleOf(fact) === 'woman') continue;
    const citizenId = factCitizenId(fact, config.asOf);
    if (citizenId === undefined || carded.has(citizenId)) continue;
    const parsed = parseCitizenId(citizenId, { today: config.asOf });
    const sex = fact.person.sex ?? (parsed.ok ? parsed.value.sex : undefined);
    const birthDate = fact.person.birthDate ?? (parsed.ok ? parsed.value.birthDate : undefined);
    if (sex !== 'F' || birthDate === undefined) continue;
    const age = ageOn(birthDate, fact.eventDate);
    if (age < CARD_MIN_AGE || age > CARD_MAX_AGE) continue;
    const destination = fact.detail?.toRegionCode ?? fact.regionCode;
    if (!destination.startsWith(config.countyCode)) continue;
    drafts.push(
      makeDraft(
        {
          kind: 'moved-in-not-registered',
          subject: { citizenId },
          regionCode: destination,
          facts: [fact],
          agencyValue: destination,
          registryValue: null,
        },
        config,
      ),
    );
  }
  return drafts;
};
