import { addYears, ageOn, cstTimestamp, isoDate, type Day } from './calendar.util';
import { syntheticId } from './household.generator';
import type { CardChild, CardState, Household, Person, ResidenceStatus, WomanSnapshot } from './population.types';
import type { RandomSource } from './random-source';
import type { CardChildObject, FeedEntry, RegistryCardRecord } from './synth-records.types';
import type { LifeEvent } from './year.simulator';
import type { WorldContext } from './world-context';

type Change =
  | { kind: 'create'; snapshot: WomanSnapshot }
  | { kind: 'add-child'; child: Person }
  | { kind: 'married'; husband: Person; marriageDay: Day }
  | { kind: 'divorced' }
  | { kind: 'widowed' }
  | { kind: 'residence'; status: ResidenceStatus }
  | { kind: 'remove-child'; child: Person };

interface Action {
  day: Day;
  seq: number;
  woman: Person;
  change: Change;
}

export type RegistryFault = 'missing-child' | 'missing-child-floating' | 'stale-marital' | 'stale-residence' | 'stale-death' | 'card-not-created';

/**
 * The township family-planning office keeping its women's family cards: one card per woman of
 * 15–49 (and her husband and children), updated some days or weeks after each event it learns of,
 * and sometimes never (the registry faults of the options). Every change is a new version of the
 * card; what the office holds on `asOf` is each card's highest version.
 */
export class FamilyCardOffice {
  private readonly cards = new Map<Person, CardState>();
  private readonly order: CardState[] = [];
  private readonly entries = new Map<CardState, FeedEntry[]>();
  private readonly missedChildren = new Set<Person>();
  private readonly faultsByWoman = new Map<Person, RegistryFault[]>();
  private readonly actions: Action[] = [];
  private readonly roles = new Map<string, [string, Person][]>();
  private seq = 0;
  /** Registry faults by kind, for the manifest. */
  readonly missed: Record<RegistryFault, number> = {
    'missing-child': 0,
    'missing-child-floating': 0,
    'stale-marital': 0,
    'stale-residence': 0,
    'stale-death': 0,
    'card-not-created': 0,
  };

  constructor(
    private readonly ctx: WorldContext,
    private readonly rng: RandomSource,
    private readonly household: Household,
  ) {}

  /** The id of a woman's card, if the office made her one. */
  cardIdOf(woman: Person): string | undefined {
    return this.cards.get(woman)?.cardId;
  }

  /** The cards as they are on 1 January (call before the year is simulated: it reads the people's state). */
  openBaseline(): void {
    const start = this.ctx.periodStart;
    for (const woman of this.household.members) {
      if (woman.sex !== 'F') continue;
      const age = ageOn(woman.birth, start);
      if (age < 15 || age > 49) continue;
      const snapshot: WomanSnapshot = {
        marital: woman.marital,
        marriageDay: woman.marriageDay,
        husband: woman.marital === 'married' ? woman.spouse : undefined,
        children: [...woman.children],
        residence: woman.residence,
      };
      // The last change: her 15th birthday, wedding or last child, whichever came last, plus the office's delay.
      const lastChange = Math.max(addYears(woman.birth, 15), woman.marriageDay ?? 0, woman.children.at(-1)?.person.birth ?? 0);
      const day = Math.min(start - 1, lastChange + this.lag());
      const changes = 1 + (woman.marital === 'unmarried' ? 0 : 1) + woman.children.filter((c) => c.person.birth >= addYears(woman.birth, 15)).length + this.rng.int(0, 2);
      const card = this.newCard(woman, snapshot, day, changes, true);
      this.emit(card);
    }
  }

  /** Turns the year's events into card changes, applies those due by asOf, and returns every card version as a record. */
  process(events: readonly LifeEvent[]): FeedEntry[] {
    for (const event of events) this.plan(event);
    this.apply();
    const out: FeedEntry[] = [];
    for (const card of this.order) {
      const versions = this.entries.get(card)!;
      const current = versions[versions.length - 1];
      const faults = this.faultsByWoman.get(card.woman) ?? [];
      for (const fault of faults) if (!current.truth.faults.includes(fault)) current.truth.faults.push(fault);
      for (const entry of versions) {
        for (const [role, person] of this.roles.get(entry.truth.recordId)!) entry.truth.persons[role] = truthId(this.ctx, person);
      }
      out.push(...versions);
    }
    return out;
  }

  private plan(event: LifeEvent): void {
    const rates = this.ctx.options.rates;
    switch (event.type) {
      case 'birth': {
        if (!event.inCounty) {
          // Born where the mother works: the office hears of it from her family, late, or never.
          if (!this.rng.chance(0.6)) return this.miss(event.mother, 'missing-child-floating', event.child);
          return this.add(event.day + this.rng.int(30, 150), event.mother, { kind: 'add-child', child: event.child });
        }
        if (this.rng.chance(rates.missingChild)) return this.miss(event.mother, 'missing-child', event.child);
        return this.add(event.day + this.lag(), event.mother, { kind: 'add-child', child: event.child });
      }
      case 'marriage': {
        if (event.local.sex !== 'F') return; // A bride from elsewhere gets a new card when she arrives.
        if (this.rng.chance(rates.staleMarital)) return this.miss(event.local, 'stale-marital');
        return this.add(event.day + this.lag(), event.local, { kind: 'married', husband: event.spouse, marriageDay: event.day });
      }
      case 'divorce':
        if (this.rng.chance(rates.staleMarital)) return this.miss(event.wife, 'stale-marital');
        return this.add(event.day + this.lag(), event.wife, { kind: 'divorced' });
      case 'death': {
        const { person } = event;
        if (person.sex === 'F') this.staleDeathOr(event.day, person, { kind: 'residence', status: 'deceased' });
        if (event.spouseWidowed?.sex === 'F') this.staleDeathOr(event.day, event.spouseWidowed, { kind: 'widowed' });
        if (person.mother) this.staleDeathOr(event.day, person.mother, { kind: 'remove-child', child: person });
        return;
      }
      case 'move-out':
      case 'leave':
        if (event.person.sex !== 'F') return;
        return this.staleResidenceOr(event.day, event.person, { kind: 'residence', status: 'moved-out' });
      case 'floating':
        return this.staleResidenceOr(event.day, event.woman, { kind: 'residence', status: event.residence });
      case 'move-in':
      case 'join': {
        const { person } = event;
        const age = ageOn(person.birth, event.day);
        if (person.sex !== 'F' || age < 15 || age > 49) return;
        if (this.rng.chance(rates.staleResidence)) return this.miss(person, 'card-not-created');
        return this.add(event.day + this.lag(), person, { kind: 'create', snapshot: event.snapshot });
      }
      case 'turn-15':
        return this.add(event.day + this.rng.int(0, 120), event.girl, { kind: 'create', snapshot: event.snapshot });
      case 'birth-registration':
        return;
    }
  }

  private staleDeathOr(day: Day, woman: Person, change: Change): void {
    if (this.rng.chance(this.ctx.options.rates.staleDeath)) this.miss(woman, 'stale-death');
    else this.add(day + this.lag(), woman, change);
  }

  private staleResidenceOr(day: Day, woman: Person, change: Change): void {
    if (this.rng.chance(this.ctx.options.rates.staleResidence)) this.miss(woman, 'stale-residence');
    else this.add(day + this.lag(), woman, change);
  }

  private add(day: Day, woman: Person, change: Change): void {
    this.actions.push({ day, seq: this.seq++, woman, change });
  }

  private miss(woman: Person, fault: RegistryFault, child?: Person): void {
    if (child) this.missedChildren.add(child);
    // Only a fault of the registry if she has (or gets) a card; counted when the card is known.
    const list = this.faultsByWoman.get(woman) ?? [];
    list.push(fault);
    this.faultsByWoman.set(woman, list);
  }

  private apply(): void {
    const due = this.actions.filter((a) => a.day <= this.ctx.asOf).sort((a, b) => a.day - b.day || a.seq - b.seq);
    const pending = new Map<Person, Action[]>();
    let i = 0;
    while (i < due.length) {
      const day = due[i].day;
      const touched: CardState[] = [];
      for (; i < due.length && due[i].day === day; i++) {
        const action = due[i];
        let card = this.cards.get(action.woman);
        if (action.change.kind === 'create') {
          if (card) continue;
          card = this.newCard(action.woman, action.change.snapshot, day, 1, false);
          for (const earlier of pending.get(action.woman) ?? []) this.change(card, earlier);
          pending.delete(action.woman);
          touched.push(card);
          continue;
        }
        if (!card) {
          // Her card is made later (she arrived, or turns 15): the office applies this then.
          pending.set(action.woman, [...(pending.get(action.woman) ?? []), action]);
          continue;
        }
        this.change(card, action);
        if (!touched.includes(card)) touched.push(card);
      }
      for (const card of touched) {
        if (this.entries.has(card)) card.version++;
        card.day = day;
        this.emit(card);
      }
    }
    for (const [woman, faults] of this.faultsByWoman) {
      if (!this.cards.has(woman)) {
        // No card to be wrong: only a card never made counts (as a missing card).
        if (faults.includes('card-not-created')) this.missed['card-not-created']++;
        this.faultsByWoman.delete(woman);
        continue;
      }
      for (const fault of faults) this.missed[fault]++;
    }
  }

  private change(card: CardState, action: Action): void {
    const change = action.change;
    switch (change.kind) {
      case 'create':
        return;
      case 'add-child': {
        if (card.children.some((c) => c.person === change.child)) return;
        const entry = this.mother(change.child);
        card.children.push(this.cardChild(change.child, entry?.order ?? card.children.length + 1, entry?.policyCompliant ?? true, action.day));
        card.children.sort((a, b) => a.birthOrder - b.birthOrder);
        return;
      }
      case 'married':
        card.maritalStatus = 'married';
        card.husband = change.husband;
        card.marriageDate = isoDate(change.marriageDay);
        return;
      case 'divorced':
        card.maritalStatus = 'divorced';
        card.husband = undefined;
        return;
      case 'widowed':
        card.maritalStatus = 'widowed';
        return;
      case 'residence':
        card.residenceStatus = change.status;
        return;
      case 'remove-child':
        card.children = card.children.filter((c) => c.person !== change.child);
        return;
    }
  }

  private mother(child: Person): { order: number; policyCompliant: boolean } | undefined {
    return child.mother?.children.find((c) => c.person === child);
  }

  private newCard(woman: Person, snapshot: WomanSnapshot, day: Day, version: number, baseline: boolean): CardState {
    const village = this.household.village;
    const seq = (this.ctx.counters.cardSeq.get(village) ?? 0) + 1;
    this.ctx.counters.cardSeq.set(village, seq);
    const ownId = woman.citizenId!;
    const mistyped = this.rng.chance(this.ctx.options.rates.mistypedWomanId);
    const inCounty = woman.hukouInCounty;
    const card: CardState = {
      cardId: `${this.ctx.county.abbreviation}-${village}-${String(seq).padStart(5, '0')}`,
      version,
      day,
      regionCode: village,
      woman,
      womanIdOnCard: mistyped ? this.ctx.ids.mistype(ownId, woman.birth, 'F') : ownId,
      hukouRegionCode: inCounty && this.rng.chance(0.1) ? woman.hukou.slice(0, 9) : woman.hukou,
      maritalStatus: snapshot.marital,
      marriageDate: snapshot.marital !== 'unmarried' && snapshot.marriageDay !== undefined ? isoDate(snapshot.marriageDay) : undefined,
      husband: snapshot.husband,
      children: snapshot.children
        .filter((c) => !this.missedChildren.has(c.person) && c.person.birth <= day)
        .map((c) => this.cardChild(c.person, c.order, c.policyCompliant, baseline ? undefined : day)),
      residenceStatus: snapshot.residence,
      faults: mistyped ? ['mistyped-woman-id'] : [],
    };
    this.cards.set(woman, card);
    this.order.push(card);
    this.entries.set(card, []);
    return card;
  }

  private cardChild(child: Person, order: number, compliant: boolean, asOfDay: Day | undefined): CardChild {
    const registered = child.citizenId !== undefined && (child.registeredDay === undefined || (asOfDay !== undefined && child.registeredDay <= asOfDay));
    return {
      person: child,
      sex: child.sex,
      birthDate: child.birthDate,
      birthOrder: order,
      policyCompliant: compliant,
      withId: registered && this.rng.chance(0.85),
      withName: this.rng.chance(0.9),
    };
  }

  /** Office delay from an event to the card change: mostly days, sometimes months. */
  private lag(): number {
    const x = this.rng.next();
    return x < 0.6 ? this.rng.int(3, 20) : x < 0.9 ? this.rng.int(21, 45) : this.rng.int(46, 100);
  }

  private emit(card: CardState): void {
    // Key order as the contract lists the fields.
    const record: RegistryCardRecord = {
      recordId: `RC-${card.cardId}-v${card.version}`,
      eventDate: isoDate(card.day),
      reportedAt: cstTimestamp(card.day, this.rng.int(8 * 3600, 18 * 3600)),
      regionCode: card.regionCode,
      groupCode: this.household.groupCode,
      ...(this.household.floatingIn ? {} : { householdNumber: this.household.householdId }),
      cardId: card.cardId,
      version: card.version,
      woman: { citizenId: card.womanIdOnCard, name: card.woman.name, sex: 'F', birthDate: card.woman.birthDate, hukouRegionCode: card.hukouRegionCode },
      maritalStatus: card.maritalStatus,
      ...(card.marriageDate !== undefined ? { marriageDate: card.marriageDate } : {}),
      ...(card.husband ? { husband: { citizenId: card.husband.citizenId!, name: card.husband.name, sex: card.husband.sex, birthDate: card.husband.birthDate } } : {}),
      children: card.children.map((c) => childObject(c)),
      residenceStatus: card.residenceStatus,
    };
    const roles: [string, Person][] = [['woman', card.woman]];
    if (card.husband) roles.push(['husband', card.husband]);
    card.children.forEach((c, i) => roles.push([`children/${i}`, c.person]));
    this.roles.set(record.recordId, roles);
    this.entries.get(card)!.push({
      kind: 'registry-card',
      record,
      valid: true,
      // Persons are filled in by process(): a baby registered later in the year has its id by then.
      truth: { kind: 'registry-card', recordId: record.recordId, persons: {}, late: false, lateDays: 0, faults: [...card.faults] },
    });
  }
}

function childObject(c: CardChild): CardChildObject {
  const out: CardChildObject = { sex: c.sex, birthDate: c.birthDate, birthOrder: c.birthOrder, policyCompliant: c.policyCompliant };
  const withId = c.withId && c.person.citizenId !== undefined;
  if (!withId && !c.withName) return out;
  return {
    ...(withId ? { citizenId: c.person.citizenId } : {}),
    ...(c.withName ? { name: c.person.name } : {}),
    sex: c.sex,
    birthDate: c.birthDate,
    birthOrder: c.birthOrder,
    policyCompliant: c.policyCompliant,
  };
}

/** The ground truth's id for a person: the true citizen id, or a stable synthetic id for someone without one. */
export function truthId(ctx: WorldContext, person: Person): string {
  if (person.citizenId !== undefined) return person.citizenId;
  person.syntheticId ??= syntheticId(ctx);
  return person.syntheticId;
}
