import { addYears, ageOn, civilOf, dayOf, isoDate, type Day } from './calendar.util';
import type { CensusRow } from './county-data.loader';
import { BOY_SHARE, MAX_AGE, completedParityTable, floatingOutShare, type AgeSampler } from './demography.model';
import { drawGivenName, drawSurname, withDottedName } from './person-name.factory';
import type { Household, MaritalStatus, Person, Residence, Sex } from './population.types';
import { RandomSource, WeightedTable } from './random-source';
import type { WorldContext } from './world-context';

/** The birth policy in force on a day (README "The model", policy compliance). */
const TWO_CHILD_FROM = dayOf(2016, 1, 1);
const THREE_CHILD_FROM = dayOf(2021, 5, 31);

/**
 * Whether a birth complied with the policy of its time: up to three children from 31 May 2021
 * (the three-child policy), two from 2016 (the universal two-child policy), and before that one
 * child, or two for a rural couple whose first child is a girl (the "1.5 child" rule of rural
 * Sichuan). A birth outside marriage is not compliant.
 */
export function policyCompliant(order: number, birth: Day, married: boolean, rural: boolean, firstChildSex: Sex | undefined): boolean {
  if (!married) return false;
  if (birth >= THREE_CHILD_FROM) return order <= 3;
  if (birth >= TWO_CHILD_FROM) return order <= 2;
  if (order === 1) return true;
  return order === 2 && rural && firstChildSex === 'F';
}

export interface PersonInit {
  sex: Sex;
  birth: Day;
  surname?: string;
  hukou: string;
  hukouInCounty: boolean;
  /** Region prefix of the id; undefined: the person has no id (yet). */
  idPrefix?: string;
  marital?: MaritalStatus;
  member?: boolean;
  residence?: Residence;
}

export function createPerson(ctx: WorldContext, rng: RandomSource, init: PersonInit): Person {
  const birthDate = isoDate(init.birth);
  const person: Person = {
    serial: ++ctx.counters.person,
    name: (init.surname ?? drawSurname(rng)) + drawGivenName(rng, init.sex, civilOf(init.birth).year),
    sex: init.sex,
    birth: init.birth,
    birthDate,
    hukou: init.hukou,
    hukouInCounty: init.hukouInCounty,
    marital: init.marital ?? 'unmarried',
    children: [],
    residence: init.residence ?? 'resident',
    member: init.member ?? true,
    alive: true,
  };
  // Someone not named after a parent may bear a dotted name, drawn from a stream of its own so that the world's draws stay the same.
  if (init.surname === undefined) person.name = withDottedName(RandomSource.derive(ctx.options.seed, 'names', person.serial), person.name, init.sex);
  if (init.idPrefix !== undefined) person.citizenId = ctx.ids.allocate(init.idPrefix, init.birth, init.sex);
  return person;
}

/** A birth day that makes someone `age` on `on`. */
export function birthForAge(rng: RandomSource, age: number, on: Day): Day {
  const latest = addYears(on, -age);
  const earliest = addYears(on, -age - 1) + 1;
  return rng.int(earliest, latest);
}

export function syntheticId(ctx: WorldContext): string {
  return `SYN-${ctx.county.code}-${String(++ctx.counters.synthetic).padStart(8, '0')}`;
}

// ------------------------------------------------------------------------------------ household types

type HouseholdType = 'elder-single' | 'elder-couple' | 'adult-single' | 'couple-family' | 'young-family' | 'three-generation' | 'single-parent' | 'floating-in';

interface TypeProfile {
  type: HouseholdType;
  base: number;
  /** Rough mean size and share of children (0–14), working-age (15–64) and elderly (65+) members. */
  size: number;
  mix: [number, number, number];
  /** Rough share of women aged 15–49 among the members. */
  women: number;
  steered: boolean;
}

const PROFILES: readonly TypeProfile[] = [
  { type: 'elder-single', base: 0.15, size: 1, mix: [0, 0.15, 0.85], women: 0, steered: true },
  { type: 'elder-couple', base: 0.15, size: 2, mix: [0, 0.3, 0.7], women: 0, steered: true },
  { type: 'adult-single', base: 0.14, size: 1, mix: [0, 1, 0], women: 0.15, steered: true },
  { type: 'couple-family', base: 0.16, size: 2.4, mix: [0.15, 0.75, 0.1], women: 0.25, steered: true },
  { type: 'young-family', base: 0.2, size: 3.3, mix: [0.4, 0.6, 0], women: 0.32, steered: true },
  { type: 'three-generation', base: 0.1, size: 5, mix: [0.35, 0.45, 0.2], women: 0.22, steered: true },
  { type: 'single-parent', base: 0.05, size: 2.5, mix: [0.45, 0.55, 0], women: 0.4, steered: true },
  { type: 'floating-in', base: 0.03, size: 3, mix: [0.35, 0.65, 0], women: 0.3, steered: false },
];

/**
 * Keeps the running age structure and household size on the census targets: each household type
 * is drawn with a weight raised where it would fill an age group (or size) that is short so far.
 * The state is a few counters, whatever the number of people.
 */
export class CompositionSteering {
  private readonly counts: [number, number, number];
  private women: number;
  private males: number;
  private people: number;
  private households: number;
  private readonly targets: [number, number, number];
  private readonly targetWomen: number;
  private readonly targetMales: number;
  private readonly targetSize: number;
  /** Census-shaped share of each 5-year age group, and the running counts. */
  private readonly fineTargets: number[];
  private readonly fine: number[];

  constructor(
    census: CensusRow,
    private readonly ages: AgeSampler,
  ) {
    const total = census.pctAge0to14 + census.pctAge15to64 + census.pctAge65plus;
    this.targets = [census.pctAge0to14 / total, census.pctAge15to64 / total, census.pctAge65plus / total];
    this.targetWomen = census.pctWomen15to49 / 100;
    this.targetMales = census.male > 0 ? census.male / (census.male + census.female) : 0.51;
    // A prior of 500 people on target, so that the first households are not steered wildly.
    const prior = 500;
    this.counts = [this.targets[0] * prior, this.targets[1] * prior, this.targets[2] * prior];
    this.women = this.targetWomen * prior;
    this.males = this.targetMales * prior;
    this.people = prior;
    this.households = prior / census.avgHouseholdSize;
    this.targetSize = census.avgHouseholdSize;
    this.fineTargets = [];
    for (let g = 0; g * 5 <= MAX_AGE; g++) {
      let share = 0;
      for (let age = g * 5; age < g * 5 + 5 && age <= MAX_AGE; age++) share += ages.weight(age);
      this.fineTargets.push(share / 100);
    }
    this.fine = this.fineTargets.map((t) => t * prior);
  }

  /**
   * An age in [lo, hi] from the pyramid, weighted up in 5-year groups that are short so far: the
   * household types fix who lives with whom, this keeps the pyramid's finer shape.
   */
  drawAge(rng: RandomSource, lo: number, hi: number): number {
    const ages: number[] = [];
    const weights: number[] = [];
    for (let age = lo; age <= hi; age++) {
      const g = Math.floor(age / 5);
      const deficit = (this.fineTargets[g] - this.fine[g] / this.people) / this.fineTargets[g];
      ages.push(age);
      weights.push(this.ages.weight(age) * Math.exp(Math.max(-3, Math.min(3, 6 * deficit))));
    }
    return new WeightedTable(ages, weights).draw(rng);
  }

  drawType(rng: RandomSource): HouseholdType {
    const deficits = this.targets.map((target, g) => (target - this.counts[g] / this.people) / target);
    const womenDeficit = (this.targetWomen - this.women / this.people) / this.targetWomen;
    const sizeDeficit = (this.targetSize - this.people / this.households) / this.targetSize;
    const weights = PROFILES.map((p) => {
      if (!p.steered) return p.base;
      const score =
        p.mix[0] * deficits[0] +
        p.mix[1] * deficits[1] +
        p.mix[2] * deficits[2] +
        2 * (p.women - this.targetWomen) * womenDeficit +
        ((p.size - this.targetSize) / this.targetSize) * sizeDeficit;
      return p.base * Math.exp(12 * score);
    });
    return new WeightedTable(PROFILES.map((p) => p.type), weights).draw(rng);
  }

  /** The chance that a person living alone is a man, nudged towards the census sex ratio. */
  maleShareOfSingles(base: number): number {
    return Math.max(0.05, Math.min(0.95, base + 12 * (this.targetMales - this.males / this.people)));
  }

  record(people: readonly { age: number; sex: Sex }[]): void {
    for (const { age, sex } of people) {
      this.counts[age < 15 ? 0 : age < 65 ? 1 : 2]++;
      this.fine[Math.min(this.fine.length - 1, Math.floor(age / 5))]++;
      if (sex === 'M') this.males++;
      else if (age >= 15 && age <= 49) this.women++;
    }
    this.people += people.length;
    this.households++;
  }
}

// ------------------------------------------------------------------------------------ generation

export interface HouseholdPlan {
  village: string;
  /** The villagers' group within the village. */
  group: string;
  /** At most this many members (the village's remaining quota). */
  maxSize: number;
}

/** A household as it is on 1 January of the year. */
export function generateHousehold(ctx: WorldContext, rng: RandomSource, plan: HouseholdPlan, steering: CompositionSteering): Household {
  const type = plan.maxSize === 1 ? (rng.chance(0.5) ? 'elder-single' : 'adult-single') : steering.drawType(rng);
  const household = newHousehold(ctx, plan.village, plan.group, type === 'floating-in');
  const start = ctx.periodStart;
  const ordered = buildMembers(ctx, rng, household, type, start, steering);
  // Over the quota: the least central members live elsewhere (children) or are not created (grandparents).
  let kept = 0;
  for (const person of ordered) {
    if (!person.member) continue;
    if (kept < plan.maxSize) kept++;
    else person.member = false;
  }
  household.members = ordered.filter((p) => p.member);
  assignFloating(rng, household, start);
  steering.record(household.members.map((p) => ({ age: ageOn(p.birth, start), sex: p.sex })));
  countAtStart(ctx, household);
  return household;
}

/**
 * A household moving its hukou into the county on `arrival`: returning natives (ids of this
 * county, hukou last in another province), families from a neighbouring county, or from another
 * province. Its members join on arrival (the simulator's move-in events).
 */
export function generateMoverHousehold(ctx: WorldContext, rng: RandomSource, village: string, group: string, arrival: Day): Household {
  const household = newHousehold(ctx, village, group, false);
  household.arrivedDay = arrival;
  const o = rng.next();
  let init: LocalInit;
  if (o < 0.35) init = { hukou: rng.pick(ctx.outOfProvince), hukouInCounty: false, idPrefix: ctx.county.code };
  else if (o < 0.8) init = foreignInit(ctx, rng);
  else {
    const code = rng.pick(ctx.outOfProvince);
    init = { hukou: code, hukouInCounty: false, idPrefix: code };
  }
  const x = rng.next();
  let members: Person[];
  if (x < 0.5) {
    const sex: Sex = rng.chance(0.6) ? 'F' : 'M';
    members = [createPerson(ctx, rng, { ...init, sex, birth: birthForAge(rng, rng.int(20, 35), arrival) })];
  } else if (x < 0.8) {
    const wifeAge = rng.int(25, 45);
    members = couple(ctx, rng, household, init, Math.max(22, wifeAge + Math.round(rng.normal(2.5, 2.5))), wifeAge, arrival, true);
  } else {
    const age = rng.int(55, 75);
    members = rng.chance(0.5)
      ? couple(ctx, rng, household, init, age, Math.max(50, age - rng.int(0, 5)), arrival, false)
      : [createPerson(ctx, rng, { ...init, sex: rng.chance(0.5) ? 'F' : 'M', birth: birthForAge(rng, age, arrival), marital: 'widowed' })];
  }
  household.members = members.filter((p) => p.member);
  return household;
}

function newHousehold(ctx: WorldContext, village: string, groupCode: string, floatingIn: boolean): Household {
  const serial = ++ctx.counters.household;
  return {
    serial,
    village,
    householdId: `${ctx.county.code.slice(4)}${String(serial).padStart(7, '0')}`,
    groupCode,
    floatingIn,
    members: [],
  };
}

function buildMembers(ctx: WorldContext, rng: RandomSource, household: Household, type: HouseholdType, start: Day, steering: CompositionSteering): Person[] {
  const ages = { draw: (r: RandomSource, lo: number, hi: number) => steering.drawAge(r, lo, hi) };
  const local = localInit(ctx, household);
  switch (type) {
    case 'elder-single': {
      const sex: Sex = rng.chance(steering.maleShareOfSingles(0.4)) ? 'M' : 'F';
      const marital: MaritalStatus = rng.chance(0.85) ? 'widowed' : rng.chance(0.5) ? 'divorced' : 'unmarried';
      return [createPerson(ctx, rng, { ...local, sex, birth: birthForAge(rng, ages.draw(rng, 62, 99), start), marital })];
    }
    case 'elder-couple': {
      const husbandAge = ages.draw(rng, 60, 95);
      const wifeAge = clamp(husbandAge - Math.round(rng.normal(2.5, 2.5)), 50, 99);
      return couple(ctx, rng, household, local, husbandAge, wifeAge, start, false);
    }
    case 'adult-single': {
      const age = ages.draw(rng, 20, 64);
      const sex: Sex = rng.chance(steering.maleShareOfSingles(0.65)) ? 'M' : 'F';
      const marital: MaritalStatus = age < 30 ? 'unmarried' : rng.pick<MaritalStatus>(['unmarried', 'unmarried', 'divorced', 'divorced', 'widowed']);
      const person = createPerson(ctx, rng, { ...local, sex, birth: birthForAge(rng, age, start), marital });
      if (marital !== 'unmarried') person.marriageDay = marriageDayFor(rng, person, start);
      // Her children, if any, live with their father or on their own.
      if (sex === 'F') for (const child of bearHistory(ctx, rng, household, person, undefined, start)) child.member = false;
      return [person];
    }
    case 'couple-family':
    case 'young-family':
    case 'three-generation':
    case 'floating-in': {
      const wifeAge = type === 'couple-family' ? ages.draw(rng, 20, 64) : ages.draw(rng, 22, 42);
      const husbandAge = Math.max(22, wifeAge + Math.round(rng.normal(2.5, 2.5)));
      const members = couple(ctx, rng, household, type === 'floating-in' ? foreignInit(ctx, rng) : local, husbandAge, wifeAge, start, true);
      if (type === 'three-generation') members.push(...grandparents(ctx, rng, members[0], local, start));
      return members;
    }
    case 'single-parent': {
      const age = ages.draw(rng, 25, 55);
      const mother = createPerson(ctx, rng, { ...local, sex: 'F', birth: birthForAge(rng, age, start), marital: rng.chance(0.6) ? 'divorced' : 'widowed' });
      mother.marriageDay = marriageDayFor(rng, mother, start);
      return [mother, ...bearHistory(ctx, rng, household, mother, undefined, start)];
    }
  }
}

type LocalInit = Pick<PersonInit, 'hukou' | 'hukouInCounty' | 'idPrefix'>;

function localInit(ctx: WorldContext, household: Household): LocalInit {
  return { hukou: household.village, hukouInCounty: true, idPrefix: ctx.county.code };
}

/** A floating-in family: hukou in a neighbouring county (real village codes), ids from there. */
function foreignInit(ctx: WorldContext, rng: RandomSource): LocalInit {
  const hukou = rng.pick(ctx.county.neighbourVillages);
  return { hukou, hukouInCounty: false, idPrefix: hukou.slice(0, 6) };
}

/** Wife first, then husband, then their children living at home (youngest first), then those living elsewhere. */
function couple(ctx: WorldContext, rng: RandomSource, household: Household, init: LocalInit, husbandAge: number, wifeAge: number, start: Day, withChildren: boolean): Person[] {
  const husband = createPerson(ctx, rng, { ...init, sex: 'M', birth: birthForAge(rng, husbandAge, start), marital: 'married' });
  const wife = createPerson(ctx, rng, { ...init, sex: 'F', birth: birthForAge(rng, wifeAge, start), marital: 'married' });
  wife.marriageDay = marriageDayFor(rng, wife, start);
  husband.marriageDay = wife.marriageDay;
  husband.spouse = wife;
  wife.spouse = husband;
  if (!withChildren) return [husband, wife];
  const children = bearHistory(ctx, rng, household, wife, husband, start);
  return [wife, husband, ...children.filter((c) => c.member).sort((a, b) => b.birth - a.birth), ...children.filter((c) => !c.member)];
}

function grandparents(ctx: WorldContext, rng: RandomSource, wife: Person, init: LocalInit, start: Day): Person[] {
  const husband = wife.spouse!;
  const fatherAge = Math.min(95, ageOn(husband.birth, start) + rng.int(24, 32));
  const grandfather = createPerson(ctx, rng, { ...init, sex: 'M', birth: birthForAge(rng, fatherAge, start), surname: husband.name[0], marital: 'married' });
  const grandmother = createPerson(ctx, rng, { ...init, sex: 'F', birth: birthForAge(rng, Math.max(45, fatherAge - rng.int(0, 4)), start), marital: 'married' });
  grandfather.spouse = grandmother;
  grandmother.spouse = grandfather;
  grandmother.marriageDay = marriageDayFor(rng, grandmother, start);
  grandfather.marriageDay = grandmother.marriageDay;
  if (rng.chance(0.35)) {
    const survivor = rng.chance(0.7) ? grandmother : grandfather;
    survivor.marital = 'widowed';
    survivor.spouse = undefined;
    return [survivor];
  }
  return [grandfather, grandmother];
}

function marriageDayFor(rng: RandomSource, woman: Person, start: Day): Day {
  const age = clamp(rng.normal(woman.sex === 'F' ? 23.5 : 25.5, 2.5), 20, Math.max(20, ageOn(woman.birth, start)));
  return Math.min(start - 1, addYears(woman.birth, Math.floor(age)) + rng.int(0, 364));
}

/**
 * The children a woman has borne by 1 January, in order. Those under 18 live at home, half of
 * those 18–24, none older: grown children are still on her card but not in the household.
 */
function bearHistory(ctx: WorldContext, rng: RandomSource, household: Household, mother: Person, father: Person | undefined, start: Day): Person[] {
  const birthYear = civilOf(mother.birth).year;
  const ageNow = ageOn(mother.birth, start);
  const days: Day[] = [];
  if (mother.marital === 'unmarried') {
    if (ageNow >= 20 && rng.chance(0.03)) days.push(addYears(mother.birth, rng.int(19, Math.min(ageNow, 30))) + rng.int(0, 364));
  } else {
    const target = completedParityTable(birthYear).draw(rng);
    mother.intendedChildren = target;
    let day = (mother.marriageDay ?? addYears(mother.birth, 23)) + rng.int(150, 800);
    while (days.length < target && day < start && ageOn(mother.birth, day) <= 44) {
      days.push(day);
      day += rng.int(730, 2555);
    }
  }
  const rural = household.village[9] !== '0';
  const surname = father?.name[0] ?? (mother.marital === 'unmarried' ? mother.name[0] : drawSurname(rng));
  const children: Person[] = [];
  for (const birth of days.filter((d) => d < start && d > mother.birth)) {
    const sex: Sex = rng.chance(BOY_SHARE) ? 'M' : 'F';
    const age = ageOn(birth, start);
    const member = age < 18 || (age < 25 && rng.chance(0.5));
    const recent = birth >= start - 100 && mother.hukouInCounty;
    const registration = recent ? registrationDelay(rng) : 0;
    const registered = !recent || (registration !== undefined && birth + registration < start);
    const child = createPerson(ctx, rng, {
      sex,
      birth,
      surname: rng.chance(0.95) ? surname : mother.name[0],
      hukou: mother.hukou,
      hukouInCounty: mother.hukouInCounty,
      idPrefix: registered ? (mother.hukouInCounty ? ctx.county.code : mother.citizenId!.slice(0, 6)) : undefined,
      member,
    });
    child.mother = mother;
    if (recent && !registered && registration !== undefined) child.pendingRegistration = birth + registration;
    const order = mother.children.length + 1;
    const married = mother.marital !== 'unmarried' && mother.marriageDay !== undefined && birth >= mother.marriageDay;
    mother.children.push({ person: child, order, policyCompliant: policyCompliant(order, birth, married, rural, mother.children[0]?.person.sex) });
    children.push(child);
  }
  return children;
}

/** Days from a birth to its hukou registration; undefined: not registered within the year. */
export function registrationDelay(rng: RandomSource): number | undefined {
  const x = rng.next();
  if (x < 0.75) return rng.int(3, 30);
  if (x < 0.92) return rng.int(31, 100);
  return undefined;
}

function assignFloating(rng: RandomSource, household: Household, start: Day): void {
  for (const person of household.members) {
    if (person.sex !== 'F') continue;
    const age = ageOn(person.birth, start);
    if (household.floatingIn) {
      person.residence = 'floating-in';
      continue;
    }
    const youngChild = person.children.some((c) => c.person.member && start - c.person.birth < 3 * 365);
    if (rng.chance(floatingOutShare(age) * (youngChild ? 0.5 : 1))) person.residence = 'floating-out';
  }
}

function countAtStart(ctx: WorldContext, household: Household): void {
  const stats = ctx.stats;
  stats.householdsAtStart++;
  for (const person of household.members) {
    const age = ageOn(person.birth, ctx.periodStart);
    stats.peopleAtStart++;
    stats.ageGroupsAtStart[age < 15 ? 0 : age < 65 ? 1 : 2]++;
    if (person.sex === 'M') stats.males++;
    else if (age >= 15 && age <= 49) stats.women15to49AtStart++;
  }
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, Math.round(x)));
}
