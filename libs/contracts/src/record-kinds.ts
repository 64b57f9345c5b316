/** The four record kinds of exchange contract v1, the agency that may send each, and its endpoint. */
export const RECORD_KINDS = ['hukou-change', 'marriage-record', 'birth-notice', 'registry-card'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const AGENCIES = ['public-security', 'civil-affairs', 'health', 'family-planning'] as const;
export type Agency = (typeof AGENCIES)[number];

export const KIND_AGENCY: Record<RecordKind, Agency> = {
  'hukou-change': 'public-security',
  'marriage-record': 'civil-affairs',
  'birth-notice': 'health',
  'registry-card': 'family-planning',
};

/** URL path segment under /v1/exchange/ for each kind (plural, as the contract fixes them). */
export const KIND_PATH: Record<RecordKind, string> = {
  'hukou-change': 'hukou-changes',
  'marriage-record': 'marriage-records',
  'birth-notice': 'birth-notices',
  'registry-card': 'registry-cards',
};

export function kindForPath(segment: string): RecordKind | undefined {
  return RECORD_KINDS.find((kind) => KIND_PATH[kind] === segment);
}

export function isRecordKind(value: string): value is RecordKind {
  return (RECORD_KINDS as readonly string[]).includes(value);
}

export function isAgency(value: string): value is Agency {
  return (AGENCIES as readonly string[]).includes(value);
}

/** A per-record error or warning: a JSON Pointer into the record, a stable code, a readable message. */
export interface RecordIssue {
  path: string;
  code: string;
  message: string;
  /** For `normalised`: the value the hub uses in place of the one sent. */
  value?: string;
}

/** Limits fixed by the contract. */
export const MAX_JSON_RECORDS = 1000;
export const MAX_BATCH_FILE_RECORDS = 100_000;
/**
 * Levels of objects and arrays in one record (the record itself is 1; a registry card's children are 3).
 * A JSON body adds two: its object and its `records` array.
 */
export const MAX_RECORD_NESTING = 8;
/** Bytes of one NDJSON line, and characters of one CSV row: a record of any kind is a few KB. */
export const MAX_RECORD_SIZE = 64 * 1024;
/** Fields of an object, or items of an array, in a record (the largest record kind has a dozen fields). */
export const MAX_MEMBERS = 100;
/** Columns of a CSV header. */
export const MAX_CSV_COLUMNS = 500;
