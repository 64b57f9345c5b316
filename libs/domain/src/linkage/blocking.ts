/**
 * Blocking: a record is compared only with the registry persons sharing at least one key with
 * it, looked up in an index built once, so linking n records costs O(n × block size), never
 * O(n × registry). The keys overlap on purpose: each fault the feeds carry (a homophone typo,
 * a wrong check digit, a birth year off by one, a missing id) leaves at least one key intact.
 */
import { preparePerson, type PreparedPerson, type RegistryPerson } from './comparison';
import { nameKeys } from '../person-name';

export interface IndexedPerson extends PreparedPerson {
  readonly personId: string;
}

export interface LinkageIndex {
  readonly persons: ReadonlyMap<string, IndexedPerson>;
  /** Valid 18-character id → the persons stating it (more than one is a registry conflict). */
  readonly byCitizenId: ReadonlyMap<string, readonly string[]>;
  /** Blocking key → person ids. */
  readonly byKey: ReadonlyMap<string, readonly string[]>;
}

/**
 * The blocking keys of a person:
 * - `tb`: township + birth year (searched only for records without a valid id);
 * - `td`: township + birth date (a newborn on a card without a name or id yet);
 * - `pb`: pinyin of the name + birth year (homophone typos, and moves between townships);
 * - `pt`: pinyin of the name + township (a birth date typed a year off, without an id);
 * - `id`: the first 14 characters of the id, region and birth date (a typo in the sequence or
 *   the check character); for an invalid id, also those of every one-typo repair;
 * - `mo`: pinyin of the mother's name + birth year.
 * The birth year comes from the birth date, or else from a valid id.
 */
export function blockingKeys(person: PreparedPerson): string[] {
  const keys = new Set<string>();
  const year = person.birthDate?.digits.slice(0, 4) ?? person.validId?.slice(6, 10);
  const pinyin = person.name?.pinyin;
  if (person.township !== undefined && year !== undefined) keys.add(`tb|${person.township}|${year}`);
  if (person.township !== undefined && person.birthDate !== undefined) keys.add(`td|${person.township}|${person.birthDate.iso}`);
  if (pinyin !== undefined && year !== undefined) keys.add(`pb|${pinyin}|${year}`);
  if (pinyin !== undefined && person.township !== undefined) keys.add(`pt|${pinyin}|${person.township}`);
  if (person.validId !== undefined) keys.add(`id|${person.validId.slice(0, 14)}`);
  if (person.invalidId !== undefined && /^\d{14}/.test(person.invalidId)) keys.add(`id|${person.invalidId.slice(0, 14)}`);
  for (const repair of person.repairs ?? []) keys.add(`id|${repair.slice(0, 14)}`);
  const mother = person.source.motherName;
  if (mother !== undefined && year !== undefined) {
    const motherPinyin = nameKeys(mother).pinyin;
    if (motherPinyin !== '') keys.add(`mo|${motherPinyin}|${year}`);
  }
  return [...keys];
}

export function buildLinkageIndex(persons: Iterable<RegistryPerson>): LinkageIndex {
  const prepared = new Map<string, IndexedPerson>();
  const byCitizenId = new Map<string, string[]>();
  const byKey = new Map<string, string[]>();
  for (const person of persons) {
    if (prepared.has(person.personId)) throw new RangeError(`person ${person.personId} is in the index twice`);
    const indexed: IndexedPerson = { ...preparePerson(person), personId: person.personId };
    prepared.set(person.personId, indexed);
    if (indexed.validId !== undefined) push(byCitizenId, indexed.validId, person.personId);
    for (const key of blockingKeys(indexed)) push(byKey, key, person.personId);
  }
  return { persons: prepared, byCitizenId, byKey };
}

/**
 * The blocking keys a record is searched under. Township and birth year is the wide net for
 * records without an id; it grows with the county, so a record with a valid id uses the narrower
 * keys (the id's, name's, birth day's).
 */
export function searchKeys(record: PreparedPerson): string[] {
  const keys = blockingKeys(record);
  return record.validId === undefined ? keys : keys.filter((key) => !key.startsWith('tb|'));
}

/** The valid ids a record is searched under: its own, and the one-typo repairs of a faulty one. */
export function searchIds(record: PreparedPerson): string[] {
  return [...(record.validId === undefined ? [] : [record.validId]), ...(record.repairs ?? [])];
}

/** A valid id as a look-up token beside the blocking keys (which never start with `vid|`). */
export function idToken(validId: string): string {
  return `vid|${validId}`;
}

export function isIdToken(token: string): boolean {
  return token.startsWith('vid|');
}

/**
 * Blocking as look-ups in a key-value store: a person is filed under these tokens (its blocking
 * keys and its valid id), a record searches these (`searchKeys`, `searchIds`), and the record's
 * `candidatesFor` are exactly the persons filed under a token it searches.
 */
export function filedTokens(person: PreparedPerson): string[] {
  const tokens = blockingKeys(person);
  if (person.validId !== undefined) tokens.push(idToken(person.validId));
  return tokens;
}

export function searchTokens(record: PreparedPerson): string[] {
  return [...searchKeys(record), ...searchIds(record).map(idToken)];
}

/** The registry persons sharing a blocking key with the record, plus any whose id is the record's or one of its repairs. */
export function candidatesFor(record: PreparedPerson, index: LinkageIndex): Set<string> {
  const candidates = new Set<string>();
  for (const key of searchKeys(record)) {
    for (const personId of index.byKey.get(key) ?? []) candidates.add(personId);
  }
  for (const id of searchIds(record)) {
    for (const personId of index.byCitizenId.get(id) ?? []) candidates.add(personId);
  }
  return candidates;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
