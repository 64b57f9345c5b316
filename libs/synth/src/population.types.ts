import type { Day } from './calendar.util';

export type Sex = 'M' | 'F';
export type MaritalStatus = 'unmarried' | 'married' | 'divorced' | 'widowed';
/** A woman's residence relative to her hukou, as a family card records it. */
export type Residence = 'resident' | 'floating-out' | 'floating-in';
export type ResidenceStatus = Residence | 'moved-out' | 'deceased';

/** One simulated person: the truth, whatever the records say. */
export interface Person {
  /** Unique within a run; orders people deterministically. */
  serial: number;
  /** The true 18-character citizen id; undefined until a newborn is registered. */
  citizenId?: string;
  /** Stands in for the id in the ground truth of a person who has none. */
  syntheticId?: string;
  name: string;
  sex: Sex;
  birth: Day;
  birthDate: string;
  /** Where the hukou is: a 12-digit village code (this county or a neighbour), or a 6-digit county code. */
  hukou: string;
  hukouInCounty: boolean;
  marital: MaritalStatus;
  marriageDay?: Day;
  spouse?: Person;
  /** Children ever born (women only), in birth order; includes those who live elsewhere. */
  children: Child[];
  /** Floating status (women's cards); men keep 'resident'. */
  residence: Residence;
  /** Lives in (is a member of) the simulated household; children grown and gone are not. */
  member: boolean;
  alive: boolean;
  /** The day the person left the household's story (death, move out, divorce of an in-law). */
  goneDay?: Day;
  mother?: Person;
  /** A baby not yet registered on 1 January: the day the family registers it (hukou birth registration). */
  pendingRegistration?: Day;
  /** How many children she wants in all (women): births beyond it are rare. */
  intendedChildren?: number;
  /** Day a child born in the year got its id (hukou birth registration). */
  registeredDay?: Day;
}

/** What a card made on a day would say about a woman: her state on that day. */
export interface WomanSnapshot {
  marital: MaritalStatus;
  marriageDay?: Day;
  husband?: Person;
  children: Child[];
  residence: Residence;
}

export interface Child {
  person: Person;
  order: number;
  policyCompliant: boolean;
}

/** A household at one village: a hukou household, or a floating-in household living here. */
export interface Household {
  serial: number;
  village: string;
  /** Police household number (户号). */
  householdId: string;
  /** The villagers' group (村民小组) the household belongs to, numbered within the village ("01", …). */
  groupCode: string;
  floatingIn: boolean;
  members: Person[];
  /** Day the household arrived (movers in); undefined for households there on 1 January. */
  arrivedDay?: Day;
}

/** What the family-planning office has on a woman's card at one version. */
export interface CardChild {
  person: Person;
  sex: Sex;
  birthDate: string;
  birthOrder: number;
  policyCompliant: boolean;
  /** Whether the office knows and writes the child's id and name. */
  withId: boolean;
  withName: boolean;
}

export interface CardState {
  cardId: string;
  version: number;
  day: Day;
  regionCode: string;
  woman: Person;
  /** The id the office typed for her: her own, or a mistyped valid id of nobody. */
  womanIdOnCard: string;
  hukouRegionCode: string;
  maritalStatus: MaritalStatus;
  marriageDate?: string;
  husband?: Person;
  children: CardChild[];
  residenceStatus: ResidenceStatus;
  /** Registry faults behind this card's content (for the ground truth). */
  faults: string[];
}
