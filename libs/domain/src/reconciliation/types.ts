/**
 * Reconciliation's inputs and output as plain data: the family-planning registry's current cards,
 * the agency facts already linked to them, and the discrepancies found between the two.
 */

/** `YYYY-MM-DD` */
export type IsoDate = string;
export type Sex = 'M' | 'F';
export type MaritalStatus = 'unmarried' | 'married' | 'divorced' | 'widowed';
export type ResidenceStatus = 'resident' | 'floating-out' | 'floating-in' | 'moved-out' | 'deceased';

export interface CardPerson {
  citizenId?: string;
  name?: string;
  sex?: Sex;
  birthDate?: IsoDate;
}

export interface CardChild {
  citizenId?: string;
  name?: string;
  sex: Sex;
  birthDate: IsoDate;
  birthOrder: number;
  policyCompliant: boolean;
}

/** One version of a woman's family card as the family-planning client sent it. */
export interface RegistryCardView {
  cardId: string;
  version: number;
  /** The day the card (this version) states things as of. */
  eventDate: IsoDate;
  /** The woman's village: the township office that owns it owns her discrepancies. */
  regionCode: string;
  /** A card is a woman's: a missing `sex` means 'F'. */
  woman: { citizenId: string; name: string; sex?: Sex; birthDate: IsoDate };
  maritalStatus: MaritalStatus;
  marriageDate?: IsoDate;
  residenceStatus: ResidenceStatus;
  husband?: CardPerson;
  children: readonly CardChild[];
  /** Evidence: the card message and record. */
  messageId?: string;
  recordId?: string;
}

export type FactKind = 'hukou-change' | 'marriage-record' | 'birth-notice';
export type FactEvent =
  | 'birth-registration'
  | 'move-in'
  | 'move-out'
  | 'death'
  | 'update'
  | 'marriage'
  | 'divorce'
  | 'birth';
/** The field of the agency record the person was stated in. */
export type FactRole = 'person' | 'partyA' | 'partyB' | 'mother' | 'father';
/** The person's place on the linked card. */
export type CardRole = 'woman' | 'husband' | 'child';

/** A person as an agency record states them (ids as written: validated here). */
export interface StatedPerson {
  citizenId?: string;
  name?: string;
  sex?: Sex;
  birthDate?: IsoDate;
}

export interface FactDetail {
  /** Birth notices: the mother's order for this child. */
  birthOrder?: number;
  /** Birth notices (on the mother's fact), and a birth registration that names the mother. */
  child?: { sex: Sex; birthDate: IsoDate; name?: string };
  fromRegionCode?: string;
  toRegionCode?: string;
}

/**
 * One person named by one agency record, with linkage's verdict. A record naming several people
 * (a marriage, a birth notice's mother and father) is several facts with the same record id.
 */
export interface AgencyFact {
  kind: FactKind;
  event: FactEvent;
  eventDate: IsoDate;
  regionCode: string;
  role: FactRole;
  person: StatedPerson;
  /** Linkage's citizen id for the person, when it knows better than the record (absent or faulty id). */
  personId?: string;
  /** The card linkage tied the person to (for a birth notice: the mother's card). */
  cardId?: string;
  /** The person's place on that card; 'woman' when omitted. */
  cardRole?: CardRole;
  /**
   * Linkage found a likely registry person but was not sure (the link review queue): rules that
   * raise something because a person has no card wait for staff's decision.
   */
  linkUncertain?: boolean;
  detail?: FactDetail;
  messageId?: string;
  recordId?: string;
}

export type DiscrepancyKind =
  | 'birth-not-in-registry'
  | 'birth-not-notified'
  | 'birth-order-conflict'
  | 'marital-status-conflict'
  | 'moved-out-still-registered'
  | 'moved-in-not-registered'
  | 'death-not-reflected'
  | 'identity-conflict'
  | 'unlinked-record'
  /** Raised by a spot check's signed return (libs/domain/src/inspection), not by a reconciliation run. */
  | 'spot-check-finding';

export interface DiscrepancyEvidence {
  messageIds: string[];
  recordIds: string[];
  cardId?: string;
  /** A spot-check finding: the signed survey return it was found in. */
  returnIds?: string[];
}

export interface DiscrepancyDraft {
  kind: DiscrepancyKind;
  /** `<kind>:<subject values joined by '|'>`, stable across runs. */
  key: string;
  /** Ordered: the key is made from the values in this order. */
  subject: Record<string, string>;
  regionCode: string;
  townshipCode: string;
  evidence: DiscrepancyEvidence;
  agencyValue: unknown;
  registryValue: unknown;
  dueAt: IsoDate;
}

export interface ReconciliationConfig {
  /** The day reconciliation runs (and raises what it finds). */
  asOf: IsoDate;
  /** The period reconciled, both days included. */
  periodStart: IsoDate;
  periodEnd: IsoDate;
  /** A birth is a discrepancy once birthDate + birthGraceDays <= asOf. */
  birthGraceDays: number;
  resolveWithinWorkingDays: number;
  /** 6-digit county code: a move in is into the county when its destination starts with it. */
  countyCode: string;
  /** Public holidays (no work), and weekend days worked in their place (调休). */
  holidays?: readonly IsoDate[];
  workingWeekendDays?: readonly IsoDate[];
}

/**
 * A rule over the current cards and the distinct facts. `index` is `indexReconciliation(cards,
 * facts, config)` when the caller has it (reconcile builds it once for all rules); a rule builds
 * it itself when not given.
 */
export type ReconciliationRule = (
  cards: readonly RegistryCardView[],
  facts: readonly AgencyFact[],
  config: ReconciliationConfig,
  index?: ReconciliationIndex,
) => DiscrepancyDraft[];

/** `validCitizenId(…, config.asOf)` of the people on one card. */
export interface CardCitizenIds {
  woman: string | undefined;
  husband: string | undefined;
  /** In the order of `card.children`. */
  children: readonly (string | undefined)[];
}

/**
 * Lookups built once per reconciliation run (`indexReconciliation`), so that each rule reads what it
 * needs for a card or a fact without scanning every card or fact again.
 */
export interface ReconciliationIndex {
  readonly cards: readonly RegistryCardView[];
  readonly facts: readonly AgencyFact[];
  /** The facts linked to each card id, in the order of `facts`. */
  readonly factsByCardId: ReadonlyMap<string, readonly AgencyFact[]>;
  /** Positions in `cards` of the cards with each card id. */
  readonly cardPositionsById: ReadonlyMap<string, readonly number[]>;
  /** The valid ids of each card's people, by position in `cards`: each id parsed once. */
  readonly cardCitizenIds: readonly CardCitizenIds[];
  /** `normaliseName(name)`, each name normalised once. */
  normalisedName(name: string): string;
}
