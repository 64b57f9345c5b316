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
  cardId: string;
  version: number;
  woman: PersonObject & { hukouRegionCode: string };
  maritalStatus: MaritalStatus;
  marriageDate?: string;
  husband?: PersonObject;
  children: CardChildObject[];
  residenceStatus: ResidenceStatus;
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
