import type { RecordKind } from '@sanxian/contracts';
import type { MaritalStatus, ResidenceStatus, Sex } from './population.types';

/** Exchange contract v1 records as the generator writes them (docs/exchange-contract.md). */
export interface PersonObject {
  citizenId?: string;
  name: string;
  sex: Sex;
  birthDate: string;
  hukouRegionCode?: string;
}

export interface OrganisationObject {
  code: string;
  name: string;
}

export interface RecordEnvelope {
  recordId: string;
  eventDate: string;
  reportedAt?: string;
  regionCode: string;
}

export interface HukouChangeRecord extends RecordEnvelope {
  changeType: 'birth-registration' | 'move-in' | 'move-out' | 'death' | 'update';
  person: PersonObject;
  fromRegionCode?: string;
  toRegionCode?: string;
  householdId?: string;
  policeStation?: OrganisationObject;
}

export interface MarriageRecord extends RecordEnvelope {
  registrationType: 'marriage' | 'divorce';
  partyA: PersonObject;
  partyB: PersonObject;
  certificateNumber: string;
  registrationOffice: OrganisationObject;
}

export interface BirthNoticeRecord extends RecordEnvelope {
  child: { sex: Sex; birthDate: string; name?: string; birthCertificateNumber?: string };
  mother: PersonObject;
  father?: PersonObject;
  birthOrder: number;
  facility: OrganisationObject;
}

export interface CardChildObject {
  citizenId?: string;
  name?: string;
  sex: Sex;
  birthDate: string;
  birthOrder: number;
  policyCompliant: boolean;
}

export interface RegistryCardRecord extends RecordEnvelope {
  /** The villagers' group (村民小组) of the woman's household, 2–3 digits within the village. */
  groupCode?: string;
  /** The police household number (户号) of her household; none for a floating-in household. */
  householdNumber?: string;
  cardId: string;
  version: number;
  woman: PersonObject & { hukouRegionCode: string };
  maritalStatus: MaritalStatus;
  marriageDate?: string;
  husband?: PersonObject;
  children: CardChildObject[];
  residenceStatus: ResidenceStatus;
}

/** One person who really lives in (belongs to) a household at as-of: what a survey at the door would find. */
export interface MemberTruth {
  /** The true 18-character id, or the `SYN-…` id of someone without one (as in truth/records.ndjson). */
  id: string;
  name: string;
  sex: Sex;
  birthDate: string;
  maritalStatus: MaritalStatus;
  /** Working elsewhere (floating-out): belongs here, but is not at home on a survey day. */
  away: boolean;
  /** Her own family card, for a woman who has one. */
  cardId?: string;
  /** Women: every child born alive, in birth order, wherever the child lives now. */
  children?: { id: string; sex: Sex; birthDate: string; birthOrder: number }[];
}

/** One line of truth/households.ndjson: a household as it really is at as-of (its members alive and belonging to it). */
export interface HouseholdTruth {
  /** The police household number (户号), as the cards of a hukou household carry it. */
  householdId: string;
  villageCode: string;
  groupCode: string;
  /** A floating-in household: its cards carry no household number (its hukou is elsewhere). */
  floatingIn: boolean;
  members: MemberTruth[];
}

export type ExchangeRecord = HukouChangeRecord | MarriageRecord | BirthNoticeRecord | RegistryCardRecord;

/** One line of truth/records.ndjson: who a record is really about, and what is wrong with it. */
export interface TruthRecord {
  kind: RecordKind;
  recordId: string;
  /** Role (a field of the record, e.g. `mother`, `children/1`) → true 18-character id, or a `SYN-…` id for someone without one. */
  persons: Record<string, string>;
  late: boolean;
  /** Days from eventDate to reportedAt. */
  lateDays: number;
  faults: string[];
}

export const DISCREPANCY_KINDS = [
  'birth-not-in-registry',
  'birth-not-notified',
  'birth-order-conflict',
  'marital-status-conflict',
  'moved-out-still-registered',
  'moved-in-not-registered',
  'death-not-reflected',
  'identity-conflict',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** One line of truth/discrepancies.ndjson. */
export interface Discrepancy {
  /** `<kind>:<subject values joined by '|'>`, the values in the order of `subject`'s keys. */
  key: string;
  kind: DiscrepancyKind;
  subject: Record<string, string>;
  regionCode: string;
  townshipCode: string;
  evidence: { recordIds: string[]; cardId?: string };
  agencyValue: unknown;
  registryValue: unknown;
}

/** A record with its truth, before it is written. */
export interface FeedEntry {
  kind: RecordKind;
  record: ExchangeRecord;
  truth: TruthRecord;
  /** False for the records made invalid on purpose: rejected by the hub, so no evidence of anything. */
  valid: boolean;
}
