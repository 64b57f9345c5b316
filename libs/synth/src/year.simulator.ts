import { addYears, ageOn, civilOf, type Day } from './calendar.util';
import {
  BOY_SHARE,
  FLOAT_BACK,
  FLOAT_OUT,
  FLOATING_IN_LEAVE,
  HOUSEHOLD_MOVE_OUT,
  birthProbability,
  completedParityTable,
  deathProbability,
  divorceProbability,
  individualMoveOutProbability,
  marriageProbability,
  overPeriod,
} from './demography.model';
import { birthForAge, createPerson, policyCompliant, registrationDelay } from './household.generator';
import type { Household, Person, Residence, Sex, WomanSnapshot } from './population.types';
import type { RandomSource } from './random-source';
import type { WorldContext } from './world-context';

/** What really happened, in order: the agencies' records and the office's card changes both derive from these. */
export type LifeEvent =
  | { type: 'birth'; day: Day; mother: Person; child: Person; father?: Person; order: number; policyCompliant: boolean; inCounty: boolean; rural: boolean }
  | { type: 'birth-registration'; day: Day; child: Person; mother?: Person }
  | { type: 'death'; day: Day; person: Person; hukouInCounty: boolean; spouseWidowed?: Person }
  | { type: 'marriage'; day: Day; local: Person; spouse: Person; spouseHukou: string }
  | { type: 'divorce'; day: Day; wife: Person; husband: Person }
  | { type: 'move-out'; day: Day; person: Person; from: string; to?: string }
  | { type: 'move-in'; day: Day; person: Person; from?: string; snapshot: WomanSnapshot }
  /** A bride from another village of the county joins her husband's household (no hukou record here). */
  | { type: 'join'; day: Day; person: Person; snapshot: WomanSnapshot }
  | { type: 'floating'; day: Day; woman: Person; residence: Residence }
  /** A floating-in person leaves the county (no hukou record: the hukou is elsewhere). */
  | { type: 'leave'; day: Day; person: Person }
  | { type: 'turn-15'; day: Day; girl: Person; snapshot: WomanSnapshot };

type Intent =
  | { kind: 'die'; person: Person }
  | { kind: 'move-out'; person: Person; to?: string }
  | { kind: 'leave'; person: Person }
  | { kind: 'marry'; person: Person }
  | { kind: 'divorce'; wife: Person }
  | { kind: 'give-birth'; mother: Person }
  | { kind: 'register'; child: Person }
  | { kind: 'move-in'; person: Person; from?: string }
  | { kind: 'float'; woman: Person; residence: Residence }
  | { kind: 'turn-15'; girl: Person };

interface Scheduled {
  day: Day;
  seq: number;
  intent: Intent;
}

export function snapshotOf(woman: Person): WomanSnapshot {
  return {
    marital: woman.marital,
    marriageDay: woman.marriageDay,
    husband: woman.marital === 'married' ? woman.spouse : undefined,
    children: [...woman.children],
    residence: woman.residence,
  };
}

/**
 * Plays one household's year: draws each member's events from the demographic model, then applies
 * them in date order, each one checked against the state it finds (nobody gives birth after moving
 * away). Newborns and people who join are appended to `household.members`.
 */
export function simulateYear(ctx: WorldContext, rng: RandomSource, household: Household): LifeEvent[] {
  const sim = new YearSimulation(ctx, rng, household);
  return sim.run();
}

class YearSimulation {
  private readonly queue: Scheduled[] = [];
  private readonly events: LifeEvent[] = [];
  private seq = 0;
  private readonly from: Day;
  private readonly to: Day;
  private readonly days: number;

  constructor(
    private readonly ctx: WorldContext,
    private readonly rng: RandomSource,
    private readonly household: Household,
  ) {
    this.from = household.arrivedDay ?? ctx.periodStart;
    this.to = ctx.worldEnd;
    this.days = this.to - this.from + 1;
  }

  run(): LifeEvent[] {
    if (this.days <= 0) return this.events;
    this.planHousehold();
    for (const person of [...this.household.members]) this.planPerson(person);
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.apply(next.day, next.intent);
    }
    return this.events;
  }

  private schedule(day: Day, intent: Intent): void {
    if (day < this.from || day > this.to) return;
    const item = { day, seq: this.seq++, intent };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1].day > day || (this.queue[i - 1].day === day && this.queue[i - 1].seq > item.seq))) i--;
    this.queue.splice(i, 0, item);
  }

  private anyDay(after: Day = this.from): Day {
    return this.rng.int(Math.max(after, this.from), this.to);
  }

  private planHousehold(): void {
    const { household, rng } = this;
    if (household.arrivedDay !== undefined) {
      for (const person of household.members) this.schedule(household.arrivedDay, { kind: 'move-in', person, from: person.hukou });
      for (const person of household.members) person.member = false;
    }
    if (household.floatingIn) {
      if (rng.chance(overPeriod(FLOATING_IN_LEAVE, this.days))) {
        const day = this.anyDay();
        for (const person of household.members) this.schedule(day, { kind: 'leave', person });
      }
    } else if (household.arrivedDay === undefined && rng.chance(overPeriod(HOUSEHOLD_MOVE_OUT, this.days))) {
      const day = this.anyDay();
      const to = this.destination();
      for (const person of household.members) this.schedule(day, { kind: 'move-out', person, to });
    }
  }

  private planPerson(person: Person): void {
    const { rng, days } = this;
    const age = ageOn(person.birth, this.from);
    if (rng.chance(overPeriod(deathProbability(age, person.sex), days))) this.schedule(this.anyDay(), { kind: 'die', person });
    if (person.pendingRegistration !== undefined) this.schedule(person.pendingRegistration, { kind: 'register', child: person });
    if (this.household.floatingIn) {
      this.planBirth(person, age, this.from);
      return;
    }
    if (person.hukouInCounty || this.household.arrivedDay !== undefined) {
      if (rng.chance(overPeriod(individualMoveOutProbability(age), days))) this.schedule(this.anyDay(), { kind: 'move-out', person, to: this.destination() });
      if (person.marital !== 'married' && rng.chance(overPeriod(marriageProbability(age, person.sex, person.marital !== 'unmarried'), days))) {
        this.schedule(this.anyDay(), { kind: 'marry', person });
      }
    }
    if (person.sex === 'F' && person.marital === 'married' && person.spouse?.member && rng.chance(overPeriod(divorceProbability(age), days))) {
      this.schedule(this.anyDay(), { kind: 'divorce', wife: person });
    }
    this.planBirth(person, age, this.from);
    if (person.sex === 'F' && age >= 18 && age <= 45 && person.hukouInCounty) {
      if (person.residence === 'resident' && rng.chance(overPeriod(FLOAT_OUT, days))) this.schedule(this.anyDay(), { kind: 'float', woman: person, residence: 'floating-out' });
      else if (person.residence === 'floating-out' && rng.chance(overPeriod(FLOAT_BACK, days))) this.schedule(this.anyDay(), { kind: 'float', woman: person, residence: 'resident' });
    }
    if (person.sex === 'F' && age === 14) {
      this.schedule(addYears(person.birth, 15), { kind: 'turn-15', girl: person });
    }
  }

  private planBirth(woman: Person, age: number, after: Day, factor = 1): void {
    if (woman.sex !== 'F') return;
    woman.intendedChildren ??= completedParityTable(civilOf(woman.birth).year).draw(this.rng);
    const p = birthProbability(age, woman.children.length, woman.marital === 'married', woman.intendedChildren) * factor;
    if (!this.rng.chance(overPeriod(p, this.to - after + 1))) return;
    const last = woman.children.at(-1)?.person.birth;
    const earliest = Math.max(after, last === undefined ? after : last + 300);
    if (earliest > this.to) return;
    this.schedule(this.rng.int(earliest, this.to), { kind: 'give-birth', mother: woman });
  }

  /** Where a hukou moving out goes: out of the province (6-digit code), a neighbouring county (village code), or unrecorded. */
  private destination(): string | undefined {
    const x = this.rng.next();
    if (x < 0.5) return this.rng.pick(this.ctx.outOfProvince);
    if (x < 0.8) return this.rng.pick(this.ctx.county.neighbourVillages);
    return undefined;
  }

  private apply(day: Day, intent: Intent): void {
    switch (intent.kind) {
      case 'die':
        return this.die(day, intent.person);
      case 'move-out':
        return this.moveOut(day, intent.person, intent.to);
      case 'leave': {
        const person = intent.person;
        if (!person.member || !person.alive) return;
        person.member = false;
        person.goneDay = day;
        this.events.push({ type: 'leave', day, person });
        return;
      }
      case 'marry':
        return this.marry(day, intent.person);
      case 'divorce':
        return this.divorce(day, intent.wife);
      case 'give-birth':
        return this.giveBirth(day, intent.mother);
      case 'register': {
        const child = intent.child;
        if (child.citizenId !== undefined) return;
        child.citizenId = this.ctx.ids.allocate(child.hukouInCounty ? this.ctx.county.code : child.hukou.slice(0, 6), child.birth, child.sex);
        child.registeredDay = day;
        child.pendingRegistration = undefined;
        this.events.push({ type: 'birth-registration', day, child, mother: child.mother });
        return;
      }
      case 'move-in': {
        const person = intent.person;
        if (person.member || !person.alive) return;
        person.member = true;
        person.hukou = this.household.village;
        person.hukouInCounty = true;
        this.ctx.stats.movedIn++;
        this.events.push({ type: 'move-in', day, person, from: intent.from, snapshot: snapshotOf(person) });
        return;
      }
      case 'float': {
        const woman = intent.woman;
        if (!woman.member || !woman.alive || woman.residence === intent.residence) return;
        woman.residence = intent.residence;
        if (intent.residence === 'floating-out') this.ctx.stats.floatingOut++;
        this.events.push({ type: 'floating', day, woman, residence: intent.residence });
        return;
      }
      case 'turn-15': {
        const girl = intent.girl;
        if (!girl.member || !girl.alive) return;
        this.events.push({ type: 'turn-15', day, girl, snapshot: snapshotOf(girl) });
        return;
      }
    }
  }

  private die(day: Day, person: Person): void {
    if (!person.member || !person.alive) return;
    person.alive = false;
    person.member = false;
    person.goneDay = day;
    let spouseWidowed: Person | undefined;
    if (person.marital === 'married' && person.spouse?.alive) {
      spouseWidowed = person.spouse;
      spouseWidowed.marital = 'widowed';
    }
    this.ctx.stats.deaths++;
    this.events.push({ type: 'death', day, person, hukouInCounty: person.hukouInCounty, spouseWidowed });
  }

  private moveOut(day: Day, person: Person, to: string | undefined): void {
    if (!person.member || !person.alive || !person.hukouInCounty) return;
    person.member = false;
    person.goneDay = day;
    this.ctx.stats.movedOut++;
    this.events.push({ type: 'move-out', day, person, from: this.household.village, to });
  }

  private marry(day: Day, person: Person): void {
    const { ctx, rng } = this;
    if (!person.member || !person.alive || person.marital === 'married') return;
    const age = ageOn(person.birth, day);
    const sex: Sex = person.sex === 'F' ? 'M' : 'F';
    const spouseAge = Math.max(sex === 'M' ? 22 : 20, age + (sex === 'M' ? 1 : -1) * Math.round(rng.normal(2.5, 3)));
    const x = rng.next();
    const origin =
      x < 0.55
        ? { hukou: rng.pick(rng.pick(ctx.county.townships).villages).code, hukouInCounty: true, idPrefix: ctx.county.code }
        : x < 0.9
          ? (() => {
              const village = rng.pick(ctx.county.neighbourVillages);
              return { hukou: village, hukouInCounty: false, idPrefix: village.slice(0, 6) };
            })()
          : (() => {
              const code = rng.pick(ctx.outOfProvince);
              return { hukou: code, hukouInCounty: false, idPrefix: code };
            })();
    const spouse = createPerson(ctx, rng, { ...origin, sex, birth: birthForAge(rng, spouseAge, day), marital: 'married', member: false });
    person.marital = 'married';
    person.marriageDay = day;
    person.spouse = spouse;
    spouse.marriageDay = day;
    spouse.spouse = person;
    this.household.members.push(spouse);
    ctx.stats.marriages++;
    this.events.push({ type: 'marriage', day, local: person, spouse, spouseHukou: origin.hukou });

    const wife = person.sex === 'F' ? person : spouse;
    if (person.sex === 'F' && !spouse.hukouInCounty && rng.chance(0.5)) {
      // She follows her husband: her hukou moves out of the county.
      this.schedule(day + rng.int(10, 120), { kind: 'move-out', person, to: spouse.hukou });
    } else if (spouse.hukouInCounty) {
      // From another village of the county: joins at once, no hukou record in this feed.
      spouse.member = true;
      spouse.hukou = this.household.village;
      if (spouse.sex === 'F') this.events.push({ type: 'join', day, person: spouse, snapshot: snapshotOf(spouse) });
    } else {
      this.schedule(day + rng.int(0, 90), { kind: 'move-in', person: spouse, from: spouse.hukou });
    }
    // A first child soon after the wedding, for some.
    const wifeAge = ageOn(wife.birth, day);
    if (wifeAge >= 15 && wifeAge <= 49) this.planBirth(wife, wifeAge, day + 120, 0.6);
  }

  private divorce(day: Day, wife: Person): void {
    const husband = wife.spouse;
    if (!wife.member || !wife.alive || wife.marital !== 'married' || !husband?.alive) return;
    wife.marital = 'divorced';
    husband.marital = 'divorced';
    wife.spouse = undefined;
    husband.spouse = undefined;
    if (husband.member) {
      // He leaves the household; his hukou may stay, so there is no record of it here.
      husband.member = false;
      husband.goneDay = day;
    }
    this.ctx.stats.divorces++;
    this.events.push({ type: 'divorce', day, wife, husband });
  }

  private giveBirth(day: Day, mother: Person): void {
    const { ctx, rng } = this;
    if (!mother.member || !mother.alive) return;
    const age = ageOn(mother.birth, day);
    const last = mother.children.at(-1)?.person.birth;
    if (age < 15 || age > 49 || (last !== undefined && day - last < 300)) return;
    const married = mother.marital === 'married';
    const father = married ? mother.spouse : undefined;
    const child = createPerson(ctx, rng, {
      sex: rng.chance(BOY_SHARE) ? 'M' : 'F',
      birth: day,
      surname: father && rng.chance(0.95) ? father.name[0] : mother.name[0],
      hukou: mother.hukou,
      hukouInCounty: mother.hukouInCounty,
    });
    child.mother = mother;
    this.household.members.push(child);
    const order = mother.children.length + 1;
    const rural = this.household.village[9] !== '0';
    const compliant = policyCompliant(order, day, married, rural, mother.children[0]?.person.sex);
    mother.children.push({ person: child, order, policyCompliant: compliant });
    const stats = ctx.stats;
    stats.births++;
    stats.birthsByOrder[String(Math.min(order, 4))] = (stats.birthsByOrder[String(Math.min(order, 4))] ?? 0) + 1;
    if (compliant) stats.compliantBirths++;
    if (child.sex === 'M') stats.boys++;
    this.events.push({ type: 'birth', day, mother, child, father, order, policyCompliant: compliant, inCounty: mother.residence !== 'floating-out', rural });
    if (mother.hukouInCounty) {
      const delay = registrationDelay(rng);
      if (delay !== undefined) this.schedule(day + delay, { kind: 'register', child });
    }
  }
}
