/**
 * Linkage in reconciliation's terms: the registry's persons as link targets (each human once,
 * at their own place: a woman on her card before the same woman as a child on her mother's),
 * and an agency fact tied to the card its person is on, by the verdict of `linkPerson`.
 */
import { buildLinkageIndex, filedTokens, searchTokens, type LinkageIndex } from '../linkage/blocking';
import { preparePerson, validIdOf, type LinkagePerson, type RegistryPerson } from '../linkage/comparison';
import { DEFAULT_PARAMETERS, DEFAULT_THRESHOLDS, type FellegiSunterParameters, type LinkageThresholds } from '../linkage/fellegi-sunter';
import { linkPerson, type LinkResult } from '../linkage/link-record';
import { makeDraft } from './discrepancy-draft';
import { validCitizenId } from './linked-facts';
import type { AgencyFact, CardRole, DiscrepancyDraft, IsoDate, ReconciliationConfig, RegistryCardView } from './types';

/** A person of a current card, as linkage sees them. `personId` is `<cardId>#<place>`. */
export interface RegistryLinkTarget extends RegistryPerson {
  cardId: string;
  cardRole: CardRole;
  /** The child's position on the card (0-based). */
  childOrdinal?: number;
  /** The valid 18-character id the registry holds for them, if any. */
  validCitizenId?: string;
}

const PLACE_RANK: Record<CardRole, number> = { woman: 0, husband: 1, child: 2 };
/** A day after any birth date: ids checked by their form alone. */
const FAR_FUTURE: IsoDate = '9999-12-31';

export function personKey(cardId: string, role: CardRole, childOrdinal?: number): string {
  return role === 'child' ? `${cardId}#child:${childOrdinal ?? 0}` : `${cardId}#${role}`;
}

/**
 * Every person of the current cards as a link target. One valid id is one human: where the
 * registry holds an id at several places, only the first by rank (woman, husband, child; then
 * card id) is a target, so that an id links deterministically instead of looking ambiguous.
 */
export function registryLinkTargets(cards: readonly RegistryCardView[], asOf: IsoDate): RegistryLinkTarget[] {
  const all = cards.flatMap((card) => cardLinkTargets(card, asOf));
  const first = new Map<string, RegistryLinkTarget>();
  for (const target of all) {
    if (target.validCitizenId === undefined) continue;
    const seen = first.get(target.validCitizenId);
    if (seen === undefined || before(target, seen)) first.set(target.validCitizenId, target);
  }
  return all.filter((t) => t.validCitizenId === undefined || first.get(t.validCitizenId) === t);
}

/** The persons of one card as link targets, before one id is kept at one place only. */
export function cardLinkTargets(card: RegistryCardView, asOf: IsoDate): RegistryLinkTarget[] {
  const all: RegistryLinkTarget[] = [];
  const husbandName = card.husband?.name;
  const womanId = validCitizenId(card.woman.citizenId, asOf);
  all.push({
    personId: personKey(card.cardId, 'woman'), cardId: card.cardId, cardRole: 'woman', validCitizenId: womanId,
    citizenId: card.woman.citizenId, name: card.woman.name, birthDate: card.woman.birthDate, sex: card.woman.sex ?? 'F',
    regionCode: card.regionCode, ...(husbandName ? { spouseName: husbandName } : {}),
  });
  if (card.husband !== undefined) {
    all.push({
      personId: personKey(card.cardId, 'husband'), cardId: card.cardId, cardRole: 'husband',
      validCitizenId: validCitizenId(card.husband.citizenId, asOf),
      citizenId: card.husband.citizenId, name: card.husband.name, birthDate: card.husband.birthDate, sex: card.husband.sex ?? 'M',
      regionCode: card.regionCode, spouseName: card.woman.name,
    });
  }
  card.children.forEach((child, ordinal) => {
    all.push({
      personId: personKey(card.cardId, 'child', ordinal), cardId: card.cardId, cardRole: 'child', childOrdinal: ordinal,
      validCitizenId: validCitizenId(child.citizenId, asOf),
      citizenId: child.citizenId, name: child.name, birthDate: child.birthDate, sex: child.sex,
      regionCode: card.regionCode, motherName: card.woman.name,
    });
  });
  return all;
}

/**
 * Which of two places of one id is the target: by rank, then by card id, then by child
 * position, so that it does not depend on the order the cards were read in (a subset of the
 * registry holding both places chooses as the whole registry does).
 */
function before(a: RegistryLinkTarget, b: RegistryLinkTarget): boolean {
  const byRank = PLACE_RANK[a.cardRole] - PLACE_RANK[b.cardRole];
  if (byRank !== 0) return byRank < 0;
  if (a.cardId !== b.cardId) return a.cardId < b.cardId;
  return (a.childOrdinal ?? 0) < (b.childOrdinal ?? 0);
}

/**
 * The look-up tokens (`filedTokens`) a card's persons are filed under: the registry side of
 * blocking held outside memory. Independent of the day: an id valid by its form is filed, and
 * `registryLinkTargets` decides later whether it is valid on the day.
 */
export function cardFiledTokens(card: RegistryCardView): string[] {
  const tokens = new Set<string>();
  for (const target of cardLinkTargets(card, FAR_FUTURE)) for (const token of filedTokens(preparePerson(target))) tokens.add(token);
  return [...tokens];
}

/** The valid ids (by their form) of a card's persons: the places among which one id chooses its target. */
export function cardValidIds(card: RegistryCardView): string[] {
  const ids = new Set<string>();
  for (const target of cardLinkTargets(card, FAR_FUTURE)) {
    const validId = validIdOf(target);
    if (validId !== undefined) ids.add(validId);
  }
  return [...ids];
}

/** The tokens linking a fact searches (`searchTokens`): a relative's name is compared, never searched, unless it is a mother's. */
export function factSearchTokens(fact: AgencyFact, relative?: { spouseName?: string; motherName?: string }): string[] {
  return searchTokens(preparePerson(factLinkagePerson(fact, relative)));
}

export interface RegistryLinker {
  readonly index: LinkageIndex;
  readonly targets: ReadonlyMap<string, RegistryLinkTarget>;
}

export function registryLinker(cards: readonly RegistryCardView[], asOf: IsoDate): RegistryLinker {
  const targets = registryLinkTargets(cards, asOf);
  // Ties of rank by card id, whatever order the cards came in.
  targets.sort((a, b) => (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  return { index: buildLinkageIndex(targets), targets: new Map(targets.map((t) => [t.personId, t])) };
}

/** What linkage compares of a fact's person: the record's own statement, and a relative's name it gives. */
export function factLinkagePerson(fact: AgencyFact, relative?: { spouseName?: string; motherName?: string }): LinkagePerson {
  const { citizenId, name, sex, birthDate } = fact.person;
  return { citizenId, name, sex, birthDate, regionCode: fact.regionCode, ...relative };
}

export interface LinkSettings {
  params?: FellegiSunterParameters;
  thresholds?: LinkageThresholds;
}

export function linkFact(
  fact: AgencyFact,
  linker: RegistryLinker,
  settings: LinkSettings = {},
  relative?: { spouseName?: string; motherName?: string },
): LinkResult {
  return linkPerson(factLinkagePerson(fact, relative), linker.index, settings.params ?? DEFAULT_PARAMETERS, settings.thresholds ?? DEFAULT_THRESHOLDS);
}

/**
 * The fact as reconciliation reads it once linked: tied to the card of the person linked (a
 * birth notice's mother only when she is that card's woman), and identified by the registry's
 * id where the record gives no valid one. Not linked ('review', 'non-link'): the fact as stated.
 */
export function withLink(fact: AgencyFact, target: RegistryLinkTarget | undefined, asOf: IsoDate, uncertain = false): AgencyFact {
  if (target === undefined) return uncertain ? { ...fact, linkUncertain: true } : fact;
  const own = validCitizenId(fact.person.citizenId, asOf);
  const linked: AgencyFact = { ...fact };
  if (own === undefined && target.validCitizenId !== undefined) linked.personId = target.validCitizenId;
  if (fact.kind === 'birth-notice' && fact.role === 'mother' && target.cardRole !== 'woman') return linked;
  linked.cardId = target.cardId;
  linked.cardRole = target.cardRole;
  return linked;
}

/**
 * Whether a fact that did not link is an `unlinked-record`: always when linkage found a likely
 * person it was not sure of (the review queue); when it found nobody, only for a birth notice's
 * mother (every mother delivering in the county is someone the registry should hold). Men, and
 * women whose move into the county makes them new, are not the registry's yet: no discrepancy.
 */
export function isUnlinkedRecord(fact: AgencyFact, result: LinkResult): boolean {
  if (result.decision === 'review') return true;
  return result.decision === 'non-link' && fact.kind === 'birth-notice' && fact.role === 'mother';
}

/** A link score to three decimals: as verdicts are stored and shown. */
export function roundedScore(score: number): number {
  return Math.round(score * 1000) / 1000;
}

export function unlinkedRecordDraft(
  fact: AgencyFact & { messageId: string },
  result: LinkResult,
  config: ReconciliationConfig,
): DiscrepancyDraft {
  return makeDraft(
    {
      kind: 'unlinked-record',
      subject: { messageId: fact.messageId, role: fact.role },
      regionCode: fact.regionCode,
      facts: [fact],
      agencyValue: { ...fact.person },
      // The score as person_link stores it (three decimals), so that a draft made from a stored verdict is the same.
      registryValue: result.personId === undefined ? null : { candidate: result.personId, score: result.score === undefined ? undefined : roundedScore(result.score) },
    },
    config,
  );
}
