/**
 * Verification requests (协查): the FP bureau asks the agency behind a record to check it, with a
 * due date counted in calendar days (longer when the matter crosses the county's border); the
 * agency answers with a corrected record or a confirmation. Pure: dates in, dates and states out.
 */
import { isoDateOf, isoDay } from '../reconciliation/iso-day';
import type { IsoDate } from '../reconciliation/types';

export interface VerificationDueDays {
  /** Calendar days an agency has to answer a request about a matter inside the county. */
  withinCounty: number;
  /** Calendar days when the matter crosses the county's border (another county's hukou or office). */
  crossCounty: number;
}

export type VerificationState = 'open' | 'overdue' | 'answered';
export const VERIFICATION_STATES: readonly VerificationState[] = ['open', 'overdue', 'answered'];

export type VerificationAnswerKind = 'corrected' | 'confirmed';

/** The day a request sent on `requestedOn` falls due: the n-th calendar day after it. */
export function verificationDueDate(requestedOn: IsoDate, crossCounty: boolean, days: VerificationDueDays): IsoDate {
  const n = crossCounty ? days.crossCounty : days.withinCounty;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`due days must be a whole number >= 1, got ${n}`);
  return isoDateOf(isoDay(requestedOn) + n);
}

/** Answered when an answer exists; otherwise overdue from the day after the due date (China's date, `today`). */
export function verificationState(dueAt: IsoDate, answered: boolean, today: IsoDate): VerificationState {
  if (answered) return 'answered';
  return today > dueAt ? 'overdue' : 'open';
}

/**
 * Whether a record's matter crosses the county's border: some region it names (the event's,
 * a person's hukou, a move's from or to) lies outside `countyCode` (its first 6 digits).
 */
export function crossesCounty(record: unknown, countyCode: string): boolean {
  return regionCodesIn(record).some((code) => code.slice(0, 6) !== countyCode.slice(0, 6));
}

/** Every region code a record names: the values of fields called `regionCode` or `…RegionCode`, at any depth. */
export function regionCodesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(regionCodesIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
    /^(regionCode|\w+RegionCode)$/.test(key) && typeof v === 'string' && /^\d{6}/.test(v) ? [v] : regionCodesIn(v),
  );
}

/** The median of whole or fractional day counts; null for none. */
export function medianDays(days: readonly number[]): number | null {
  if (!days.length) return null;
  const sorted = [...days].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return Math.round(median * 10) / 10;
}
