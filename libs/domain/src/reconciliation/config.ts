import { parseIsoDay } from './iso-day';
import type { IsoDate, ReconciliationConfig } from './types';

export const DEFAULT_BIRTH_GRACE_DAYS = 30;
export const DEFAULT_RESOLVE_WITHIN_WORKING_DAYS = 15;

/** A configuration with the defaults: the period is the calendar year of `asOf`. */
export function reconciliationConfig(
  options: { asOf: IsoDate; countyCode: string } & Partial<ReconciliationConfig>,
): ReconciliationConfig {
  if (parseIsoDay(options.asOf) === undefined) throw new RangeError(`asOf is not a date: "${options.asOf}"`);
  const year = options.asOf.slice(0, 4);
  return {
    periodStart: `${year}-01-01`,
    periodEnd: `${year}-12-31`,
    birthGraceDays: DEFAULT_BIRTH_GRACE_DAYS,
    resolveWithinWorkingDays: DEFAULT_RESOLVE_WITHIN_WORKING_DAYS,
    ...options,
  };
}
