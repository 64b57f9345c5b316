import { isoDay } from './iso-day';
import type { IsoDate, ReconciliationConfig } from './types';

/** A birth is a discrepancy only once the grace period has passed: birthDate + birthGraceDays <= asOf. */
export function birthGracePassed(birthDate: IsoDate, config: ReconciliationConfig): boolean {
  return isoDay(birthDate) + config.birthGraceDays <= isoDay(config.asOf);
}

export function inPeriod(date: IsoDate, config: ReconciliationConfig): boolean {
  return date >= config.periodStart && date <= config.periodEnd;
}
