import { isoDateOf, isoDay, weekdayOf } from './iso-day';
import type { IsoDate } from './types';

export interface WorkingCalendar {
  holidays?: readonly IsoDate[];
  /** Saturdays and Sundays worked in place of a holiday (调休). */
  workingWeekendDays?: readonly IsoDate[];
}

const SATURDAY = 6;
const SUNDAY = 0;

export function isWorkingDay(date: IsoDate, calendar: WorkingCalendar = {}): boolean {
  if (calendar.holidays?.includes(date)) return false;
  if (calendar.workingWeekendDays?.includes(date)) return true;
  const weekday = weekdayOf(isoDay(date));
  return weekday !== SATURDAY && weekday !== SUNDAY;
}

/**
 * The day a discrepancy raised on `raisedOn` falls due: the `workingDays`-th working day after it
 * (the day raised does not count, whatever it is).
 */
export function dueDate(raisedOn: IsoDate, workingDays: number, calendar: WorkingCalendar = {}): IsoDate {
  if (!Number.isInteger(workingDays) || workingDays < 0) throw new RangeError(`workingDays must be a whole number >= 0, got ${workingDays}`);
  let day = isoDay(raisedOn);
  let counted = 0;
  while (counted < workingDays) {
    day += 1;
    if (isWorkingDay(isoDateOf(day), calendar)) counted += 1;
  }
  return isoDateOf(day);
}
