import { AgencyFeedBuilder, type FeedCounts } from './agency-feed.builder';
import type { CountyData } from './county-data.loader';
import { HOUSEHOLD_MOVE_IN, overPeriod } from './demography.model';
import { FamilyCardOffice, truthId, type RegistryFault } from './family-card.office';
import { computeDiscrepancies, type TruthRules } from './ground-truth.calculator';
import { CompositionSteering, generateHousehold, generateMoverHousehold } from './household.generator';
import type { Household } from './population.types';
import { FieldFormWriter } from './field-form.writer';
import { RandomSource } from './random-source';
import type { ResolvedOptions } from './synth-options';
import type { Discrepancy, FeedEntry, HouseholdTruth } from './synth-records.types';
import { createWorldContext, type WorldContext } from './world-context';
import { simulateYear } from './year.simulator';

/** What one household adds to the output: its records (with truth) in file order, and its discrepancies. */
export interface HouseholdOutput {
  entries: FeedEntry[];
  discrepancies: Discrepancy[];
  /** Who really lives in the household (and in a household that moved in beside it) at as-of. */
  households: HouseholdTruth[];
}

/** Totals the generator keeps while it runs (a few counters, whatever the size). */
export interface GenerationTally {
  ctx: WorldContext;
  populationAtEnd: number;
  households: number;
  moverHouseholds: number;
  feed: FeedCounts;
  registry: Record<RegistryFault, number>;
}

// Copies sent again go out this many households later, as a re-export after a network error would.
const RESEND_DELAY = 25;

/**
 * The synthetic county, household by household, with no I/O: a synchronous generator the writer
 * drains at its own pace. Villages are filled in code order up to quotas drawn from the seed; each
 * household draws its people and year from its own streams (`world`, `office`, `content`,
 * `faults`, keyed by its number), so that output is a pure function of the options.
 */
export function* generateHouseholds(options: ResolvedOptions, county: CountyData): Generator<HouseholdOutput, GenerationTally> {
  const ctx = createWorldContext(options, county);
  const state: GenerationTally = {
    ctx,
    populationAtEnd: 0,
    households: 0,
    moverHouseholds: 0,
    feed: { notYetReported: 0, noticeMissing: 0, faults: {} },
    registry: { 'missing-child': 0, 'missing-child-floating': 0, 'stale-marital': 0, 'stale-residence': 0, 'stale-death': 0, 'card-not-created': 0 },
  };
  const rules: TruthRules = {
    asOf: ctx.asOf,
    periodStart: ctx.periodStart,
    periodEnd: ctx.periodEnd,
    graceDays: options.graceDays,
    asOfDate: options.asOf,
  };
  const steering = new CompositionSteering(county.census, ctx.ages);
  const resends: { due: number; entries: FeedEntry[] }[] = [];
  const seed = options.seed;
  const days = ctx.worldEnd - ctx.periodStart + 1;
  let number = 0;

  const run = (household: Household, key: (string | number)[]): HouseholdOutput => {
    const world = RandomSource.derive(seed, 'world', ...key);
    const office = new FamilyCardOffice(ctx, RandomSource.derive(seed, 'office', ...key), household);
    if (household.arrivedDay === undefined) office.openBaseline();
    const events = simulateYear(ctx, world, household);
    const cards = office.process(events);
    const feed = new AgencyFeedBuilder(ctx, RandomSource.derive(seed, 'content', ...key), RandomSource.derive(seed, 'faults', ...key), household, state.feed).build(events);
    for (const [fault, n] of Object.entries(office.missed) as [RegistryFault, number][]) state.registry[fault] += n;
    const entries = [...cards, ...feed.entries];
    if (feed.resends.length > 0) resends.push({ due: number + RESEND_DELAY, entries: feed.resends });
    state.populationAtEnd += household.members.filter((p) => p.member && p.alive).length;
    // The truth is what the hub reads, the normal forms: computed before the field forms are written.
    const discrepancies = computeDiscrepancies(entries, rules, household.village);
    new FieldFormWriter(options.rates.fieldForm, RandomSource.derive(seed, 'forms', ...key), state.feed.faults).write([...entries, ...feed.resends]);
    return { entries, discrepancies, households: [householdTruth(ctx, household, office)] };
  };
  const released = (): FeedEntry[] => {
    const out: FeedEntry[] = [];
    while (resends.length > 0 && resends[0].due <= number) out.push(...resends.shift()!.entries);
    return out;
  };

  for (const [village, quota] of villageQuotas(options, county)) {
    let remaining = quota;
    const groups = groupsInVillage(quota);
    while (remaining > 0) {
      number++;
      const plan = RandomSource.derive(seed, 'household', number);
      // Its own stream, so that adding groups changed nothing else the seed gives.
      const groupOf = RandomSource.derive(seed, 'group', number);
      const group = () => String(groupOf.int(1, groups)).padStart(2, '0');
      const household = generateHousehold(ctx, plan, { village, group: group(), maxSize: remaining }, steering);
      remaining -= household.members.length;
      state.households++;
      const output = run(household, [number]);
      if (!household.floatingIn && plan.chance(overPeriod(HOUSEHOLD_MOVE_IN, days))) {
        const mover = generateMoverHousehold(ctx, plan, village, group(), plan.int(ctx.periodStart, ctx.worldEnd));
        state.moverHouseholds++;
        const moved = run(mover, [number, 'mover']);
        output.entries.push(...moved.entries);
        output.discrepancies.push(...moved.discrepancies);
        output.households.push(...moved.households);
      }
      output.entries.push(...released());
      yield output;
    }
  }
  number = Number.MAX_SAFE_INTEGER;
  const rest = released();
  if (rest.length > 0) yield { entries: rest, discrepancies: [], households: [] };
  return state;
}

/** People in a villagers' group (村民小组): 50–80 households of about 3 people in rural Sichuan since the 2020 village merger. */
export const PEOPLE_PER_GROUP = 200;
/** The bounds on groups per village: a merged Sichuan village has 6–15 groups; 2 at least, so that a draw has groups to choose from at the demo's scaled-down size. */
export const GROUPS_PER_VILLAGE = { min: 2, max: 15 } as const;

/** How many villagers' groups a village of `people` (its 1 January quota) has. */
export function groupsInVillage(people: number): number {
  return Math.min(GROUPS_PER_VILLAGE.max, Math.max(GROUPS_PER_VILLAGE.min, Math.round(people / PEOPLE_PER_GROUP)));
}

/** The household as it really is at as-of: its members alive and belonging to it, with ids as the truth names them. */
function householdTruth(ctx: WorldContext, household: Household, office: FamilyCardOffice): HouseholdTruth {
  return {
    householdId: household.householdId,
    villageCode: household.village,
    groupCode: household.groupCode,
    floatingIn: household.floatingIn,
    members: household.members
      .filter((p) => p.member && p.alive)
      .map((p) => {
        const cardId = p.sex === 'F' ? office.cardIdOf(p) : undefined;
        return {
          id: truthId(ctx, p),
          name: p.name,
          sex: p.sex,
          birthDate: p.birthDate,
          maritalStatus: p.marital,
          away: p.residence === 'floating-out',
          ...(cardId ? { cardId } : {}),
          ...(p.sex === 'F' && p.children.length
            ? { children: p.children.map((c) => ({ id: truthId(ctx, c.person), sex: c.person.sex, birthDate: c.person.birthDate, birthOrder: c.order })) }
            : {}),
        };
      }),
  };
}

/**
 * People per village on 1 January: residents' committees (towns) are about twice the size of
 * villagers' committees, with a log-normal spread; the quotas add up to exactly `people`.
 */
export function villageQuotas(options: ResolvedOptions, county: CountyData): [string, number][] {
  const rng = RandomSource.derive(options.seed, 'villages');
  const villages = county.townships.flatMap((t) => t.villages);
  const weights = villages.map((v) => (v.urban ? 2.2 : 1) * Math.exp(rng.normal(0, 0.35)));
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w / total) * options.people);
  const quotas = exact.map(Math.floor);
  let left = options.people - quotas.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of byRemainder) {
    if (left <= 0) break;
    quotas[i]++;
    left--;
  }
  return villages.map((v, i) => [v.code, quotas[i]] as [string, number]).filter(([, q]) => q > 0);
}
