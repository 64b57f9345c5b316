import { dayOf, isoDate, parseIsoDate } from './calendar.util';

/**
 * Every fault the generator can inject, with its default rate. One table feeds the CLI flags
 * (`--<flag>`), the manifest and the README's table (a spec checks they agree).
 */
export const FAULT_RATES = {
  // The family-planning office's own registry mistakes.
  missingChild: { flag: 'missing-child-rate', default: 0.02, source: 'registry', what: 'a birth the FP office never adds to the mother\'s card' },
  staleMarital: { flag: 'stale-marital-rate', default: 0.05, source: 'registry', what: 'a marriage or divorce the office never puts on the card' },
  staleResidence: {
    flag: 'stale-residence-rate',
    default: 0.05,
    source: 'registry',
    what: 'a move out, a move in (no card made) or a floating change the office never records',
  },
  staleDeath: { flag: 'stale-death-rate', default: 0.05, source: 'registry', what: 'a death of the woman, her husband or a child the office never records' },
  mistypedWomanId: { flag: 'mistyped-id-rate', default: 0.005, source: 'registry', what: "a card whose woman's id was mistyped (a valid id of nobody)" },
  // Agency feed faults.
  nameTypo: { flag: 'name-typo-rate', default: 0.02, source: 'feeds', what: 'a record with one name mistyped (40% a width, space or traditional-form variant, 60% a different character)' },
  checkDigit: { flag: 'check-digit-rate', default: 0.01, source: 'feeds', what: "a birth notice whose mother's or father's id has a wrong check digit (a warning)" },
  motherWithoutId: { flag: 'mother-without-id-rate', default: 0.03, source: 'feeds', what: 'a birth notice without the mother\'s id' },
  lateReport: { flag: 'late-rate', default: 0.1, source: 'feeds', what: 'a record reported 31–70 days after its event' },
  resent: { flag: 'resent-rate', default: 0.02, source: 'feeds', what: 'a record sent a second time, identical (same recordId)' },
  fifteenDigitId: { flag: 'fifteen-digit-rate', default: 0.01, source: 'feeds', what: 'a record giving a person born before 1985 by the old 15-digit id' },
  invalid: { flag: 'invalid-rate', default: 0.005, source: 'feeds', what: 'a record that breaks the contract and is rejected' },
  birthOrderError: { flag: 'birth-order-error-rate', default: 0.02, source: 'feeds', what: 'a birth notice with the birth order off by one' },
  birthDateTypo: { flag: 'birth-date-typo-rate', default: 0.005, source: 'feeds', what: "a birth notice with the mother's birth date mistyped" },
  noticeMissing: { flag: 'notice-missing-rate', default: 0.02, source: 'feeds', what: 'a birth in the county that health never notifies' },
  fieldForm: {
    flag: 'field-form-rate',
    default: 0.08,
    source: 'feeds',
    what: 'a record (card or agency record) with one name or citizen id in a field form: spaces, U+3000, a middle-dot variant, full-width digits, a lower-case x, separators',
  },
} as const;

export type FaultName = keyof typeof FAULT_RATES;
export type FaultRates = Record<FaultName, number>;
export const FAULT_NAMES = Object.keys(FAULT_RATES) as FaultName[];

export const DEFAULT_COUNTY = '511325';
export const DEFAULT_PEOPLE = 20_000;
export const DEFAULT_SEED = '1';
// A constant, never today's year: the same options must give the same bytes on any day.
export const DEFAULT_YEAR = 2025;
export const DEFAULT_GRACE_DAYS = 30;
export const DEFAULT_LATE_AFTER_DAYS = 30;
export const GENERATOR_VERSION = '1.0.0';

export interface SynthOptions {
  /** 6-digit county code with region data in libs/domain/data/regions/<code>.json. */
  county?: string;
  /** People in the county's households on 1 January. */
  people?: number;
  seed?: string | number;
  year?: number;
  /** Output directory (created if missing; existing files are overwritten). */
  out: string;
  /** `YYYY-MM-DD`; default `<year>-12-31`. The world stops at min(asOf, year end); records reported after it are not in the feeds. */
  asOf?: string;
  /** Days after a birth before a missing card child or notice is a discrepancy. */
  graceDays?: number;
  /** A record reported more than this many days after its event is late. */
  lateAfterDays?: number;
  rates?: Partial<FaultRates>;
}

export interface ResolvedOptions {
  county: string;
  people: number;
  seed: string;
  year: number;
  out: string;
  asOf: string;
  graceDays: number;
  lateAfterDays: number;
  rates: FaultRates;
}

export class SynthOptionsError extends Error {
  override readonly name = 'SynthOptionsError';
}

export function resolveOptions(options: SynthOptions): ResolvedOptions {
  const problems: string[] = [];
  const county = options.county ?? DEFAULT_COUNTY;
  if (!/^\d{6}$/.test(county)) problems.push(`county must be a 6-digit code, got "${county}"`);
  const people = options.people ?? DEFAULT_PEOPLE;
  if (!Number.isSafeInteger(people) || people < 1) problems.push(`people must be a positive integer, got ${people}`);
  const year = options.year ?? DEFAULT_YEAR;
  if (!Number.isInteger(year) || year < 2000 || year > 2100) problems.push(`year must be between 2000 and 2100, got ${year}`);
  const seed = String(options.seed ?? DEFAULT_SEED);
  if (seed.length === 0) problems.push('seed must not be empty');
  if (!options.out) problems.push('out (the output directory) is required');
  const asOf = options.asOf ?? `${year}-12-31`;
  const asOfDay = parseIsoDate(asOf);
  if (asOfDay === undefined) problems.push(`asOf must be a date YYYY-MM-DD, got "${asOf}"`);
  else if (Number.isInteger(year) && asOfDay < dayOf(year, 1, 1)) problems.push(`asOf (${asOf}) must not be before ${year}-01-01`);
  const graceDays = options.graceDays ?? DEFAULT_GRACE_DAYS;
  if (!Number.isInteger(graceDays) || graceDays < 0) problems.push(`graceDays must be a non-negative integer, got ${graceDays}`);
  const lateAfterDays = options.lateAfterDays ?? DEFAULT_LATE_AFTER_DAYS;
  if (!Number.isInteger(lateAfterDays) || lateAfterDays < 0) problems.push(`lateAfterDays must be a non-negative integer, got ${lateAfterDays}`);
  const rates = {} as FaultRates;
  for (const name of FAULT_NAMES) {
    const value = options.rates?.[name] ?? FAULT_RATES[name].default;
    if (!(typeof value === 'number' && value >= 0 && value <= 1)) problems.push(`rate ${name} must be between 0 and 1, got ${String(value)}`);
    rates[name] = value;
  }
  for (const name of Object.keys(options.rates ?? {})) {
    if (!(FAULT_NAMES as string[]).includes(name)) problems.push(`unknown fault rate "${name}"; the rates are ${FAULT_NAMES.join(', ')}`);
  }
  if (problems.length) throw new SynthOptionsError(problems.join('; '));
  return { county, people, seed, year, out: options.out, asOf: isoDate(asOfDay!), graceDays, lateAfterDays, rates };
}
