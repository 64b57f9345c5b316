/**
 * Per-field comparison levels of a (record person, registry person) pair: the agreement
 * pattern (γ) of Fellegi–Sunter. A value that is absent on either side compares as 'missing'
 * and carries no weight, so that a sparse record is neither rewarded nor punished for it.
 */
import { checkCharacter, normaliseCitizenId, parseCitizenId, repairCandidates } from '../citizen-id';
import { compareNames, nameKeys, type NameAgreement, type NameKeys } from '../person-name';
import { countyOf, regionLevel, townshipOf } from '../region-code';

/** What linkage reads of a person, whichever source states it; every field may be missing. */
export interface LinkagePerson {
  citizenId?: string;
  name?: string;
  /** YYYY-MM-DD */
  birthDate?: string;
  sex?: 'M' | 'F';
  /** Village (12 digits), township (9) or county (6) code. */
  regionCode?: string;
  spouseName?: string;
  motherName?: string;
}

/** A person of the FP registry: what the index holds and a link points to. */
export interface RegistryPerson extends LinkagePerson {
  personId: string;
}

export interface FieldLevels {
  citizenId: 'equal' | 'repair' | 'different' | 'missing';
  name: NameAgreement | 'missing';
  birthDate: 'exact' | 'typo' | 'near' | 'different' | 'missing';
  sex: 'agree' | 'disagree' | 'missing';
  region: 'village' | 'township' | 'county' | 'different' | 'missing';
  /** The spouse's or the mother's name, whichever both sides state. */
  relative: 'agree' | 'disagree' | 'missing';
}

export type LinkageField = keyof FieldLevels;
export type ComparisonVector = { [F in LinkageField]: FieldLevels[F] };
/** The levels a field can take when it is not missing. */
export type ObservedLevel<F extends LinkageField> = Exclude<FieldLevels[F], 'missing'>;

export const LINKAGE_FIELDS: readonly LinkageField[] = ['citizenId', 'name', 'birthDate', 'sex', 'region', 'relative'];

export const FIELD_LEVELS: { readonly [F in LinkageField]: readonly ObservedLevel<F>[] } = {
  citizenId: ['equal', 'repair', 'different'],
  name: ['exact', 'normalised', 'homophone', 'initials', 'different'],
  birthDate: ['exact', 'typo', 'near', 'different'],
  sex: ['agree', 'disagree'],
  region: ['village', 'township', 'county', 'different'],
  relative: ['agree', 'disagree'],
};

interface PreparedDate {
  iso: string;
  digits: string;
  month: string;
  day: string;
  /** Days since 1970-01-01. */
  dayNumber: number;
}

/**
 * A person with every comparison key computed once: registry persons when the index is built,
 * a record's person once per record, not once per candidate pair.
 */
export interface PreparedPerson {
  readonly source: LinkagePerson;
  /** The valid 18-character id (15-digit ids upgraded). */
  readonly validId?: string;
  /** The id as typed (normalised) when it is not valid. */
  readonly invalidId?: string;
  readonly name?: NameKeys;
  readonly birthDate?: PreparedDate;
  readonly sex?: 'M' | 'F';
  readonly village?: string;
  readonly township?: string;
  readonly county?: string;
  /** Valid ids one typo away from an invalid id (the check character fixed, or `repairCandidates`). */
  readonly repairs?: ReadonlySet<string>;
}

/** The person's valid 18-character id (15-digit ids upgraded), as `preparePerson` finds it, without preparing the rest. */
export function validIdOf(person: LinkagePerson): string | undefined {
  if (!present(person.citizenId)) return undefined;
  const parsed = parseCitizenId(person.citizenId);
  return parsed.ok ? parsed.value.id : undefined;
}

export function preparePerson(person: LinkagePerson): PreparedPerson {
  const prepared: {
    -readonly [K in keyof PreparedPerson]: PreparedPerson[K];
  } = { source: person };
  if (present(person.citizenId)) {
    const parsed = parseCitizenId(person.citizenId);
    if (parsed.ok) prepared.validId = parsed.value.id;
    else {
      prepared.invalidId = normaliseCitizenId(person.citizenId);
      prepared.repairs = oneTypoRepairs(prepared.invalidId, person);
    }
  }
  if (present(person.name)) {
    const keys = nameKeys(person.name);
    if (keys.normalised !== '') prepared.name = keys;
  }
  if (present(person.birthDate)) prepared.birthDate = prepareDate(person.birthDate);
  if (person.sex === 'M' || person.sex === 'F') prepared.sex = person.sex;
  if (present(person.regionCode)) {
    const level = regionLevel(person.regionCode);
    if (level === 'village') prepared.village = person.regionCode;
    prepared.township = townshipOf(person.regionCode);
    prepared.county = countyOf(person.regionCode);
  }
  return prepared;
}

/** The comparison vector of two persons; `compareFields(preparePerson(a), preparePerson(b))`. */
export function comparePersons(record: LinkagePerson, candidate: LinkagePerson): ComparisonVector {
  return compareFields(preparePerson(record), preparePerson(candidate));
}

export function compareFields(record: PreparedPerson, candidate: PreparedPerson): ComparisonVector {
  return {
    citizenId: compareIds(record, candidate),
    name: record.name === undefined || candidate.name === undefined ? 'missing' : compareNames(record.source.name!, candidate.source.name!),
    birthDate: compareBirthDates(record.birthDate, candidate.birthDate),
    sex: record.sex === undefined || candidate.sex === undefined ? 'missing' : record.sex === candidate.sex ? 'agree' : 'disagree',
    region: compareRegions(record, candidate),
    relative: compareRelatives(record.source, candidate.source),
  };
}

function compareIds(record: PreparedPerson, candidate: PreparedPerson): FieldLevels['citizenId'] {
  const a = record.validId ?? record.invalidId;
  const b = candidate.validId ?? candidate.invalidId;
  if (a === undefined || b === undefined) return 'missing';
  if (a === b) return 'equal';
  if (record.repairs?.has(b) || candidate.repairs?.has(a)) return 'repair';
  // Both valid and one slip apart in the region or birth date: a digit mistyped where the check
  // character was recomputed (the registry's own fault), which no checksum can catch. A slip in
  // the sequence digits is not one: that is the valid id of another person born the same day.
  if (record.validId !== undefined && candidate.validId !== undefined && oneSlipApart(record.validId, candidate.validId, SEQUENCE_START)) {
    return 'repair';
  }
  return 'different';
}

function compareBirthDates(a: PreparedDate | undefined, b: PreparedDate | undefined): FieldLevels['birthDate'] {
  if (a === undefined || b === undefined) return 'missing';
  if (a.iso === b.iso) return 'exact';
  let differing = 0;
  for (let i = 0; i < 8; i++) if (a.digits[i] !== b.digits[i]) differing++;
  if (differing === 1) return 'typo';
  if (a.digits.slice(0, 4) === b.digits.slice(0, 4) && a.month === b.day && a.day === b.month) return 'typo';
  if (Math.abs(a.dayNumber - b.dayNumber) <= 366) return 'near';
  return 'different';
}

function compareRegions(a: PreparedPerson, b: PreparedPerson): FieldLevels['region'] {
  if (a.county === undefined || b.county === undefined) return 'missing';
  if (a.village !== undefined && a.village === b.village) return 'village';
  if (a.township !== undefined && a.township === b.township) return 'township';
  return a.county === b.county ? 'county' : 'different';
}

const RELATIVE_AGREES: ReadonlySet<NameAgreement> = new Set(['exact', 'normalised', 'homophone']);

function compareRelatives(a: LinkagePerson, b: LinkagePerson): FieldLevels['relative'] {
  let compared = false;
  for (const role of ['spouseName', 'motherName'] as const) {
    const x = a[role];
    const y = b[role];
    if (!present(x) || !present(y) || nameKeys(x).normalised === '' || nameKeys(y).normalised === '') continue;
    if (RELATIVE_AGREES.has(compareNames(x, y))) return 'agree';
    compared = true;
  }
  return compared ? 'disagree' : 'missing';
}

function oneTypoRepairs(id: string, person: LinkagePerson): ReadonlySet<string> {
  const repairs = new Set<string>();
  if (!/^\d{17}[\dX]$/.test(id)) return repairs;
  // A wrong check character: the one typo repairCandidates leaves out.
  const fixed = id.slice(0, 17) + checkCharacter(id.slice(0, 17));
  if (parseCitizenId(fixed).ok) repairs.add(fixed);
  const hints = {
    birthDate: person.birthDate !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(person.birthDate) ? person.birthDate : undefined,
    sex: person.sex,
  };
  for (const candidate of repairCandidates(id, hints)) repairs.add(candidate);
  return repairs;
}

/** Where an id's sequence digits begin (after 6 of region and 8 of birth date). */
const SEQUENCE_START = 14;

/** One of the first `end` characters differs, or two adjacent ones are swapped, and nothing else. */
function oneSlipApart(a: string, b: string, end: number): boolean {
  for (let i = end; i < 17; i++) if (a[i] !== b[i]) return false;
  const first: number[] = [];
  for (let i = 0; i < end; i++) {
    if (a[i] !== b[i]) {
      first.push(i);
      if (first.length > 2) return false;
    }
  }
  if (first.length === 1) return true;
  return first.length === 2 && first[1] === first[0] + 1 && a[first[0]] === b[first[1]] && a[first[1]] === b[first[0]];
}

function prepareDate(iso: string): PreparedDate | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (match === null) return undefined;
  const [, year, month, day] = match;
  const dayNumber = Date.UTC(Number(year), Number(month) - 1, Number(day)) / 86_400_000;
  if (!Number.isFinite(dayNumber)) return undefined;
  return { iso, digits: year + month + day, month, day, dayNumber };
}

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}
