/**
 * The resident identity number of GB 11643-1999: 6-digit region code,
 * 8-digit birth date, 3-digit sequence (odd male, even female) and an
 * ISO 7064 MOD 11-2 check character. Old 15-digit numbers (no century, no
 * check character) are still found in agency data and are upgraded.
 */
import { regionLevel } from './region-code';

export type CitizenIdFaultCode =
  | 'citizen-id-length'
  | 'citizen-id-format'
  | 'citizen-id-region'
  | 'citizen-id-birth-date'
  | 'citizen-id-checksum';

export interface CitizenIdFault {
  code: CitizenIdFaultCode;
  message: string;
}

export interface ParsedCitizenId {
  /** Always the 18-character form. */
  id: string;
  regionCode: string;
  /** YYYY-MM-DD */
  birthDate: string;
  sequence: string;
  sex: 'M' | 'F';
  checkCharacter: string;
  /** The 15-digit number this id was upgraded from, if it was. */
  upgradedFrom?: string;
}

export type CitizenIdResult = { ok: true; value: ParsedCitizenId } | { ok: false; fault: CitizenIdFault };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARACTERS = '10X98765432';
const EARLIEST_BIRTH_DATE = '1900-01-01';

/** Ids are typed by hand, often with an IME in full-width mode, so width and spacing are not significant. */
export function normaliseCitizenId(input: string): string {
  return input
    .replace(/\s+/g, '')
    .replace(/[\uFF10-\uFF19]/g, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xff10 + 0x30))
    .replace(/[xX\uFF38\uFF58]/g, 'X');
}

export function checkCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError(`checkCharacter needs exactly 17 digits, got "${first17}"`);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARACTERS[sum % 11];
}

// An id as agencies' systems send nearly all of them: already normalised and well-formed.
const WELL_FORMED = /^\d{17}[\dX]$/;

export function parseCitizenId(input: string, options?: { today?: string }): CitizenIdResult {
  // Every record of every batch passes here (validation and fact mapping): the common case skips the rewrites.
  if (WELL_FORMED.test(input)) return parseEighteen(input, options?.today);
  const id = normaliseCitizenId(input);
  const length = Array.from(id).length;

  if (length === 15) {
    if (!/^\d{15}$/.test(id)) return fault('citizen-id-format', 'a 15-digit citizen id must be all digits');
    const result = parseEighteen(widen(id), options?.today);
    return result.ok ? { ok: true, value: { ...result.value, upgradedFrom: id } } : result;
  }
  if (length !== 18) return fault('citizen-id-length', `citizen id must have 18 characters, has ${length}`);
  if (!WELL_FORMED.test(id)) {
    return fault('citizen-id-format', 'citizen id must be 17 digits followed by a digit or X');
  }
  return parseEighteen(id, options?.today);
}

export function isValidCitizenId(input: string): boolean {
  return parseCitizenId(input).ok;
}

export function upgradeFifteenDigitId(id15: string): string {
  const id = normaliseCitizenId(id15);
  if (!/^\d{15}$/.test(id)) throw new RangeError(`not a 15-digit citizen id: "${id15}"`);
  const result = parseCitizenId(id);
  if (!result.ok) throw new RangeError(`cannot upgrade citizen id "${id15}": ${result.fault.message}`);
  return result.value.id;
}

/**
 * Ids that a single typo (one wrong digit among the first 17, or two adjacent
 * characters swapped) could have come from, restricted to those that are valid
 * and agree with what else is known of the person. For a clerk to choose from:
 * with no hints there are usually several, so never apply one automatically.
 * A typo in the check character itself is not covered (positions 1-17 only):
 * the checksum fault already names the expected character.
 */
export function repairCandidates(input: string, hints?: { birthDate?: string; sex?: 'M' | 'F' }): string[] {
  const id = normaliseCitizenId(input);
  if (Array.from(id).length !== 18 || parseCitizenId(id).ok) return [];
  const chars = Array.from(id);

  const variants: string[] = [];
  for (let i = 0; i < 17; i++) {
    for (const digit of '0123456789') {
      if (digit !== chars[i]) variants.push(replaceAt(chars, i, digit));
    }
  }
  for (let i = 0; i < 17; i++) {
    if (chars[i] !== chars[i + 1]) variants.push(swapWithNext(chars, i));
  }

  const accepted = new Set<string>();
  for (const variant of variants) {
    const result = parseCitizenId(variant);
    if (!result.ok) continue;
    if (hints?.birthDate !== undefined && result.value.birthDate !== hints.birthDate) continue;
    if (hints?.sex !== undefined && result.value.sex !== hints.sex) continue;
    accepted.add(result.value.id);
  }
  return [...accepted].sort();
}

/** Checks an 18-character id already known to be 17 digits plus a digit or X. */
function parseEighteen(id: string, today = localToday()): CitizenIdResult {
  const regionCode = id.slice(0, 6);
  if (regionLevel(regionCode) !== 'county') {
    return fault('citizen-id-region', `citizen id region code ${regionCode} has no valid province code`);
  }

  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (!isCalendarDate(birthDate)) {
    return fault('citizen-id-birth-date', `citizen id birth date ${birthDate} is not a real date`);
  }
  if (birthDate < EARLIEST_BIRTH_DATE) {
    return fault('citizen-id-birth-date', `citizen id birth date ${birthDate} is before ${EARLIEST_BIRTH_DATE}`);
  }
  // ISO dates compare correctly as strings.
  if (birthDate > today) {
    return fault('citizen-id-birth-date', `citizen id birth date ${birthDate} is after ${today}`);
  }

  const expected = checkCharacter(id.slice(0, 17));
  if (id[17] !== expected) return fault('citizen-id-checksum', `check digit should be ${expected}`);

  const sequence = id.slice(14, 17);
  return {
    ok: true,
    value: {
      id,
      regionCode,
      birthDate,
      sequence,
      sex: Number(sequence) % 2 === 1 ? 'M' : 'F',
      checkCharacter: expected,
    },
  };
}

/** 15-digit ids were issued only to people born in the 1900s, hence the fixed century. */
function widen(id15: string): string {
  const first17 = `${id15.slice(0, 6)}19${id15.slice(6)}`;
  return first17 + checkCharacter(first17);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** For `YYYY-MM-DD` made of digits (as sliced from a well-formed id). */
function isCalendarDate(isoDate: string): boolean {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  const day = Number(isoDate.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}

let cachedToday = '';
let cachedTodayEnds = 0;

// The local date, not UTC: in China the UTC date lags the calendar date until 08:00. Kept until the next
// local midnight: millions of ids are checked a day.
function localToday(): string {
  const now = Date.now();
  if (now >= cachedTodayEnds) {
    const date = new Date(now);
    const pad = (n: number) => String(n).padStart(2, '0');
    cachedToday = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    cachedTodayEnds = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
  }
  return cachedToday;
}

function fault(code: CitizenIdFaultCode, message: string): CitizenIdResult {
  return { ok: false, fault: { code, message } };
}

function replaceAt(chars: readonly string[], index: number, value: string): string {
  const copy = [...chars];
  copy[index] = value;
  return copy.join('');
}

function swapWithNext(chars: readonly string[], index: number): string {
  const copy = [...chars];
  [copy[index], copy[index + 1]] = [copy[index + 1], copy[index]];
  return copy.join('');
}
