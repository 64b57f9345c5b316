/**
 * The shared shapes of a spot check (平时抽查): the sampling frame a campaign freezes, the points
 * a draw picks from it, and the household survey return inspectors fill and sign. The lottery,
 * the completeness rules (村不漏组、组不漏户、户不漏人、人不漏项) and the findings all work on these.
 */

/** A person as the FP registry holds them on the day the frame is frozen. */
export interface FramePerson {
  /** Stable within the frame: `<cardId>:woman`, `<cardId>:husband`, `<cardId>:child:<ordinal>`. */
  personKey: string;
  cardId: string;
  role: 'woman' | 'husband' | 'child';
  name: string | null;
  citizenId: string | null;
  sex: 'F' | 'M' | null;
  birthDate: string | null;
  /** Women only: the registry's marital status. */
  maritalStatus?: string | null;
}

export interface FrameHousehold {
  /** The police household number (户号) where the registry knows it, else `card:<cardId>`. */
  householdKey: string;
  persons: FramePerson[];
}

/** A villagers' group (村民小组), numbered within its village ("01", "02", …). */
export interface FrameGroup {
  groupCode: string;
  households: FrameHousehold[];
}

export interface FrameVillage {
  /** 12-digit village (community) code. */
  villageCode: string;
  townshipCode: string;
  groups: FrameGroup[];
}

/** What a campaign freezes: every village of its units with everything the registry holds there. */
export interface SamplingFrame {
  countyCode: string;
  /** The day the registry was read, YYYY-MM-DD. */
  asOf: string;
  villages: FrameVillage[];
}

/** Why an inspector could not check a group, household, person or item. */
export const NOT_CHECKED_REASONS = ['absent', 'refused', 'moved-away', 'deceased', 'not-found', 'not-applicable'] as const;
export type NotCheckedReason = (typeof NOT_CHECKED_REASONS)[number];

/** The items the survey checks for each person (人不漏项); the plan may ask for a subset. */
export const SURVEY_ITEMS = [
  'name',
  'citizenId',
  'sex',
  'birthDate',
  'maritalStatus',
  'children',
  'contraception',
] as const;
export type SurveyItem = (typeof SURVEY_ITEMS)[number];

/** One item as found: the value seen (text, or the children list as JSON), or a reason it was not checked. */
export type ItemEntry =
  | { item: SurveyItem; status: 'checked'; value: string | null }
  | { item: SurveyItem; status: 'not-checked'; reason: NotCheckedReason };

export interface ReturnPerson {
  /** The frame's key, or a new key `new:<n>` for a person the frame lacks. */
  personKey: string;
  status: 'checked' | 'not-checked';
  reason?: NotCheckedReason;
  items: ItemEntry[];
}

export interface ReturnHousehold {
  householdKey: string;
  /** A household the inspector found that the frame lacks. */
  added?: boolean;
  status: 'checked' | 'not-checked';
  reason?: NotCheckedReason;
  persons: ReturnPerson[];
}

export interface ReturnGroup {
  groupCode: string;
  status: 'checked' | 'not-checked';
  reason?: NotCheckedReason;
  households: ReturnHousehold[];
}

/** A household survey return for one drawn village, before signing. Serialised canonically (RFC 8785) to sign. */
export interface SurveyReturn {
  /** Chosen by the device (UUID v4): syncing the same return twice is one return. */
  returnId: string;
  campaignId: string;
  drawId: string;
  villageCode: string;
  /** The survey day, YYYY-MM-DD. */
  surveyDate: string;
  groups: ReturnGroup[];
  /** For an addendum: the return it corrects (both stay). */
  corrects?: string;
}

/** One inspector's signature over the canonical bytes of a SurveyReturn. */
export interface ReturnSignature {
  /** The enrolled key's id. */
  keyId: string;
  algorithm: 'Ed25519' | 'ECDSA-P256-SHA256';
  /** Base64 (standard alphabet) of the raw signature (IEEE P1363 r||s for ECDSA). */
  signature: string;
}

export interface SignedReturn {
  return: SurveyReturn;
  signatures: ReturnSignature[];
}
