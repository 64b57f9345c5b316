import type { CensusRow } from './county-data.loader';
import { WeightedTable, type RandomSource } from './random-source';
import type { Sex } from './population.types';

/**
 * The demographic model: the shape of the age pyramid, and yearly probabilities of death,
 * birth, marriage, divorce and moves. Plain numbers, documented with their sources in the
 * README ("Model"); the county's census row scales the pyramid.
 */

/**
 * Relative sizes of the 5-year age groups 0–4 … 95–99 in a rural Sichuan county in 2020: the
 * hollow of the 1990s–2000s cohorts (born under the one-child policy, many now working away),
 * the bulge of the 1960s–70s cohorts, and the long tail of a population with a quarter over 65.
 * Only the shape matters: it is rescaled to the census row's 0–14, 15–64 and 65+ shares.
 */
const AGE_SHAPE = [3.6, 5.0, 5.6, 4.6, 3.3, 3.6, 5.0, 4.4, 4.6, 8.0, 10.0, 8.6, 5.0, 8.0, 6.5, 4.3, 2.8, 1.4, 0.5, 0.1];
export const MAX_AGE = 99;

/** Single-year weights 0–99 whose broad groups have the census shares. */
export function ageWeights(census: CensusRow): number[] {
  const single: number[] = [];
  for (let age = 0; age <= MAX_AGE; age++) single.push(AGE_SHAPE[Math.floor(age / 5)] / 5);
  const sum = (lo: number, hi: number) => single.slice(lo, hi + 1).reduce((a, b) => a + b, 0);
  const groups: [number, number, number][] = [
    [0, 14, census.pctAge0to14],
    [15, 64, census.pctAge15to64],
    [65, MAX_AGE, census.pctAge65plus],
  ];
  for (const [lo, hi, pct] of groups) {
    const factor = pct / sum(lo, hi);
    for (let age = lo; age <= hi; age++) single[age] *= factor;
  }
  return single;
}

/** Draws ages within a range, following the pyramid. */
export class AgeSampler {
  private readonly tables = new Map<string, WeightedTable<number>>();

  constructor(private readonly weights: readonly number[]) {}

  /** The pyramid's share (percent) of one year of age. */
  weight(age: number): number {
    return this.weights[Math.min(MAX_AGE, Math.max(0, age))];
  }

  draw(rng: RandomSource, lo: number, hi: number): number {
    const key = `${lo}-${hi}`;
    let table = this.tables.get(key);
    if (!table) {
      const ages: number[] = [];
      for (let age = lo; age <= hi; age++) ages.push(age);
      table = new WeightedTable(ages, ages.map((age) => this.weights[age]));
      this.tables.set(key, table);
    }
    return table.draw(rng);
  }
}

/**
 * Yearly probability of dying by age, both sexes (China's 2020 census life table, rounded, a little
 * above the national level for a rural county), times 1.25 for men and 0.78 for women.
 */
const DEATH_BY_AGE: readonly [number, number][] = [
  [0, 0.0055], [1, 0.0004], [5, 0.00025], [15, 0.0005], [25, 0.0007], [35, 0.0013], [45, 0.003], [55, 0.005],
  [60, 0.008], [65, 0.013], [70, 0.022], [75, 0.038], [80, 0.068], [85, 0.12], [90, 0.2], [95, 0.3],
];

export function deathProbability(age: number, sex: Sex): number {
  let q = DEATH_BY_AGE[0][1];
  for (const [from, value] of DEATH_BY_AGE) if (age >= from) q = value;
  return Math.min(0.9, q * (sex === 'M' ? 1.25 : 0.78));
}

/**
 * Yearly probability of a live birth for a married woman who has fewer children than she wants, by
 * age group (15–19 … 45–49) and whether it would be her first. A woman who has the children she
 * wants rarely has another. Intentions come from her cohort's completed family sizes (below):
 * with the county's age structure this gives a crude birth rate near Sichuan's 6.4‰ (2022).
 */
const WANTED_FIRST = [0.15, 0.2, 0.2, 0.15, 0.06, 0.02, 0.003];
const WANTED_LATER = [0.08, 0.18, 0.2, 0.14, 0.06, 0.015, 0.001];
const UNWANTED = 0.003;
/** Births outside marriage are about 2% of births in China. */
const UNMARRIED_FERTILITY = 0.003;

export function birthProbability(age: number, parity: number, married: boolean, intended: number): number {
  if (age < 15 || age > 49) return 0;
  if (!married) return age >= 18 && age <= 34 ? UNMARRIED_FERTILITY : 0;
  if (parity >= intended) return age <= 44 ? UNWANTED : 0;
  return (parity === 0 ? WANTED_FIRST : WANTED_LATER)[Math.floor((age - 15) / 5)];
}

/** Share of boys at birth: a sex ratio at birth of about 107 (Sichuan, 2020 census: 106–108). */
export const BOY_SHARE = 0.517;

/**
 * Yearly probability that an unmarried, divorced or widowed person marries, by sex and age: first
 * marriages peak at 25–29; with the county's age structure about 5 registrations per 1,000 people.
 */
export function marriageProbability(age: number, sex: Sex, previouslyMarried: boolean): number {
  let p: number;
  if (sex === 'F') p = age < 20 ? 0 : age < 25 ? 0.15 : age < 30 ? 0.25 : age < 35 ? 0.15 : age < 45 ? 0.06 : age < 60 ? 0.02 : 0;
  else p = age < 22 ? 0 : age < 25 ? 0.1 : age < 30 ? 0.2 : age < 35 ? 0.15 : age < 45 ? 0.06 : age < 65 ? 0.02 : 0;
  return previouslyMarried ? p * 0.7 : p;
}

/** Yearly probability that a married couple divorces at the civil-affairs office, by the wife's age. */
export function divorceProbability(wifeAge: number): number {
  return wifeAge < 20 ? 0 : wifeAge < 40 ? 0.012 : wifeAge < 60 ? 0.007 : 0;
}

/** A probability per year scaled to a period of `days`. */
export function overPeriod(yearly: number, days: number): number {
  if (yearly <= 0) return 0;
  if (days >= 365) return yearly;
  return 1 - Math.pow(1 - yearly, days / 365);
}

/** Children a married woman has by the end of her childbearing, by her birth cohort. */
export function completedParityTable(birthYear: number): WeightedTable<number> {
  if (birthYear <= 1975) return PARITY_OLD;
  if (birthYear <= 1985) return PARITY_MIDDLE;
  if (birthYear <= 1995) return PARITY_RECENT;
  return PARITY_YOUNG;
}
const PARITY_OLD = new WeightedTable([0, 1, 2, 3], [0.03, 0.42, 0.45, 0.1]);
const PARITY_MIDDLE = new WeightedTable([0, 1, 2, 3], [0.04, 0.55, 0.37, 0.04]);
const PARITY_RECENT = new WeightedTable([0, 1, 2, 3], [0.06, 0.42, 0.46, 0.06]);
const PARITY_YOUNG = new WeightedTable([0, 1, 2, 3], [0.15, 0.45, 0.36, 0.04]);

/** Yearly hukou moves: whole households (buying a flat in a city), and young adults alone (study, work). */
export const HOUSEHOLD_MOVE_OUT = 0.006;
export function individualMoveOutProbability(age: number): number {
  return age >= 18 && age <= 22 ? 0.02 : age >= 23 && age <= 35 ? 0.008 : 0;
}
/** Households moving their hukou into the county, per existing household and year (returnees, marriage migrants). */
export const HOUSEHOLD_MOVE_IN = 0.006;
/** Women of 18–45 who leave to work elsewhere (流出) in a year, and floating women who come back. */
export const FLOAT_OUT = 0.05;
export const FLOAT_BACK = 0.12;
export function floatingOutShare(age: number): number {
  return age >= 18 && age <= 40 ? 0.22 : age >= 41 && age <= 49 ? 0.1 : 0;
}
/** Floating-in households (流入) leaving the county in a year. */
export const FLOATING_IN_LEAVE = 0.1;

/**
 * The ranges (per 1,000 of the mean population) the generated county's yearly rates must fall in
 * at 20,000 people or more, with the published figures they rest on (README "Rates"). A spec
 * checks both the generator and the README against this table.
 */
export const PLAUSIBLE_PER_THOUSAND = {
  // Sichuan 2022: 6.39‰ (provincial statistical bulletin); China 2022: 6.77‰. ± county variation and sampling noise (~0.6‰ at 20,000 people).
  births: [4.0, 9.0],
  // Sichuan 2022: 9.04‰; a county with 22–24% aged 65+ (province: 16.9%) dies faster: 10–12‰.
  deaths: [8.0, 14.0],
  // Marriage registrations (couples): China 2022 4.8‰ (Ministry of Civil Affairs), 2023 5.4‰ (7.68 million); Sichuan 2022 5.5‰ (46.39 万对).
  marriages: [3.0, 7.0],
  // Divorce registrations at civil affairs: China 2022 1.5‰ (2.10 million; 2.0‰ with court divorces).
  divorces: [0.8, 2.5],
  // Sichuan 2022: −2.65‰; older counties lower.
  naturalGrowth: [-9.0, 1.0],
} as const satisfies Record<string, readonly [number, number]>;
