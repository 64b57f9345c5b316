/**
 * Dates as whole days since 1970-01-01 (UTC, no time zone, no `Date` objects): the generator
 * handles millions of dates, and day arithmetic on integers is exact and fast. Conversion
 * follows H. Hinnant's civil-from-days algorithms (proleptic Gregorian calendar).
 */
export type Day = number;

export function dayOf(year: number, month: number, day: number): Day {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface Civil {
  year: number;
  month: number;
  day: number;
}

export function civilOf(days: Day): Civil {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `YYYY-MM-DD` */
export function isoDate(days: Day): string {
  const { year, month, day } = civilOf(days);
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** `YYYYMMDD`, the birth-date part of a citizen id. */
export function compactDate(days: Day): string {
  const { year, month, day } = civilOf(days);
  return `${year}${pad2(month)}${pad2(day)}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day of a `YYYY-MM-DD` string, or undefined when it is not a real calendar date. */
export function parseIsoDate(text: string): Day | undefined {
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const days = dayOf(year, month, day);
  const back = civilOf(days);
  return back.year === year && back.month === month && back.day === day ? days : undefined;
}

/** Completed years of age on `on` of someone born on `birth`. */
export function ageOn(birth: Day, on: Day): number {
  const b = civilOf(birth);
  const d = civilOf(on);
  return d.year - b.year - (d.month < b.month || (d.month === b.month && d.day < b.day) ? 1 : 0);
}

/** The same calendar day `years` later (29 February becomes 28 February in a common year). */
export function addYears(days: Day, years: number): Day {
  const { year, month, day } = civilOf(days);
  const target = year + years;
  const leap = (target % 4 === 0 && target % 100 !== 0) || target % 400 === 0;
  return dayOf(target, month, month === 2 && day === 29 && !leap ? 28 : day);
}

/** RFC 3339 time in China Standard Time, from a day and a second of that day. */
export function cstTimestamp(days: Day, secondOfDay: number): string {
  const s = Math.max(0, Math.min(86399, Math.floor(secondOfDay)));
  return `${isoDate(days)}T${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}+08:00`;
}
