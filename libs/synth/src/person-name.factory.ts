import { DOTTED_NAMES, FEMALE_GIVEN, HOMOPHONES, MALE_GIVEN, SURNAMES, TRADITIONAL, type GivenNameCohort } from './chinese-names.data';
import { WeightedTable, type RandomSource } from './random-source';
import type { Sex } from './population.types';

const SURNAME_TABLE = new WeightedTable(
  SURNAMES.map(([surname]) => surname),
  SURNAMES.map(([, weight]) => weight),
);

function cohortOf(cohorts: readonly GivenNameCohort[], birthYear: number): GivenNameCohort {
  let found = cohorts[0];
  for (const cohort of cohorts) if (birthYear >= cohort.from) found = cohort;
  return found;
}

export function drawSurname(rng: RandomSource): string {
  return SURNAME_TABLE.draw(rng);
}

export function drawGivenName(rng: RandomSource, sex: Sex, birthYear: number): string {
  const cohort = cohortOf(sex === 'F' ? FEMALE_GIVEN : MALE_GIVEN, birthYear);
  if (rng.chance(cohort.singleShare)) return rng.pick(cohort.single);
  // Mostly a fashionable whole name; sometimes two single characters of the cohort put together.
  if (rng.chance(0.75)) return rng.pick(cohort.whole);
  const first = rng.pick(cohort.single);
  let second = rng.pick(cohort.single);
  if (second === first) second = rng.pick(cohort.whole)[1];
  return first + second;
}

/** Of the people not named after a parent, the share who bear a dotted name (README "Faults"). */
export const DOTTED_NAME_SHARE = 0.005;

/** The name drawn, or (a share DOTTED_NAME_SHARE) a dotted name of the person's sex. */
export function withDottedName(rng: RandomSource, name: string, sex: Sex): string {
  return rng.chance(DOTTED_NAME_SHARE) ? rng.pick(DOTTED_NAMES[sex]) : name;
}

export type NameFault = 'name-typo' | 'name-variant';

/**
 * A name as a clerk might mistype it. A *variant* (a space after the surname, or one character in
 * its traditional form) is the same name after normalisation; a *typo* (a homophone typed by a
 * pinyin IME, or another character) is a different name.
 */
export function mistypeName(rng: RandomSource, name: string, sex: Sex, birthYear: number): { name: string; fault: NameFault } {
  const chars = Array.from(name);
  if (rng.chance(0.4)) {
    const traditional = chars.map((c, i) => (TRADITIONAL[c] ? i : -1)).filter((i) => i >= 0);
    if (traditional.length > 0 && rng.chance(0.6)) {
      const at = rng.pick(traditional);
      const copy = [...chars];
      copy[at] = TRADITIONAL[chars[at]];
      return { name: copy.join(''), fault: 'name-variant' };
    }
    return { name: `${chars[0]} ${chars.slice(1).join('')}`, fault: 'name-variant' };
  }
  // A character of the given name (never the surname: clerks check it first).
  const at = chars.length > 1 ? rng.int(1, chars.length - 1) : 0;
  const original = chars[at];
  let replacement = HOMOPHONES[original];
  if (replacement === undefined || rng.chance(0.2)) {
    const pool = cohortOf(sex === 'F' ? FEMALE_GIVEN : MALE_GIVEN, birthYear).single;
    replacement = pool.find((c) => c !== original && !rng.chance(0.5)) ?? (original === '明' ? '亮' : '明');
  }
  const copy = [...chars];
  copy[at] = replacement;
  return { name: copy.join(''), fault: 'name-typo' };
}
