/**
 * Why an agency fact was not linked to the FP registry. The registry holds, by its rules, women of
 * childbearing age (15–49) on their cards, with their husbands and children: a man who is no
 * carded woman's husband, a child on no card, a woman past 49 are outside its scope, and not
 * finding them is no failure of linkage. Only a woman of 15–49 whom no card matches is one (or,
 * when she has just moved into the county, someone the registry does not hold yet).
 */
import { parseCitizenId } from '../citizen-id';
import type { AgencyFact, IsoDate } from './types';

export type UnlinkedCause =
  /** A man: the registry holds men only as a carded woman's husband. */
  | 'man'
  /** Under 15 at the event: a child, on a card only as a carded mother's child. */
  | 'child'
  /** A woman aged 50 or more at the event: past the registry's age range. */
  | 'over-49'
  /** A woman of 15–49 moving into the county: not the registry's yet (moved-in-not-registered says so). */
  | 'moved-in'
  /** A woman of 15–49 (or a person of unknown sex or age) whom no card matches: a linkage failure to look into. */
  | 'no-match';

export const UNLINKED_CAUSES: readonly UnlinkedCause[] = ['man', 'child', 'over-49', 'moved-in', 'no-match'];
export const OUTSIDE_REGISTRY_SCOPE: readonly UnlinkedCause[] = ['man', 'child', 'over-49'];

/** The cause of a fact linkage found nobody for (decision non-link), from what the record states. */
export function unlinkedCause(fact: AgencyFact, asOf: IsoDate): UnlinkedCause {
  const parsed = fact.person.citizenId === undefined ? undefined : parseCitizenId(fact.person.citizenId, { today: asOf });
  const fromId = parsed?.ok ? parsed.value : undefined;
  const sex = fact.person.sex ?? fromId?.sex;
  const birthDate = fact.person.birthDate ?? fromId?.birthDate;
  const age = birthDate === undefined ? undefined : ageOn(birthDate, fact.eventDate);
  if (age !== undefined && age < 15) return 'child';
  if (sex === 'M' || fact.role === 'father') return 'man';
  if (sex === 'F' && age !== undefined && age >= 50) return 'over-49';
  if (fact.kind === 'hukou-change' && fact.event === 'move-in') return 'moved-in';
  return 'no-match';
}

/** Whole years from `birthDate` to `day` (both YYYY-MM-DD). */
function ageOn(birthDate: IsoDate, day: IsoDate): number {
  const years = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  return day.slice(5) < birthDate.slice(5) ? years - 1 : years;
}

/** Non-links counted by cause, every cause present (0 when none). */
export function countUnlinkedCauses(causes: Iterable<UnlinkedCause>): Record<UnlinkedCause, number> {
  const counts = Object.fromEntries(UNLINKED_CAUSES.map((c) => [c, 0])) as Record<UnlinkedCause, number>;
  for (const cause of causes) counts[cause] += 1;
  return counts;
}
