/**
 * The forms in which agency systems write a person's name or citizen id that mean the same thing
 * as the normal form, and the normal form itself (exchange contract, "Normalisation at intake").
 * Applied at intake before a record is checked, and by the worker before a logged payload is
 * mapped to facts, so that both judge and store the same value; the logged payload keeps what
 * was sent. Pure: no I/O, never mutates its input.
 *
 * Only space separators (\p{Zs}) are trimmed or collapsed: a tab, line break or other control
 * character is left in place for the plain-text rule to refuse, as it always did.
 */

/** One field rewritten into its normal form: where, and the value used. */
export interface FieldNormalisation {
  /** JSON Pointer into the record. */
  path: string;
  value: string;
}

export interface NormalisedRecord<T> {
  /** The input itself when nothing changed; otherwise a copy sharing every untouched part. */
  record: T;
  normalisations: FieldNormalisation[];
}

const MIDDLE_DOT = '\u00B7';
// ·, •, ・, ‧, ･ (and the Greek ano teleia, which NFC already turns into ·).
const DOT_VARIANTS = /[\u2022\u30FB\u2027\uFF65]/g;
const SPACES = /\p{Zs}+/gu;
const HAN_OR_DOT = /[\p{Script=Han}\u00B7]/u;
// Already normal: Han characters only, or ASCII letters with single inner spaces (the common cases).
const NORMAL_NAME = /^(?:\p{Script=Han}+|[A-Za-z]+(?: [A-Za-z]+)*)$/u;
const NORMAL_CITIZEN_ID = /^[0-9]{17}[0-9X]$|^[0-9]{15}$/;
const ID_SEPARATORS = /[\p{Zs}-]+/gu;
const LOWER_X = /x/g;

/** A personal name in its normal form: NFC, the dot variants as U+00B7, spaces trimmed, removed beside Han characters and dots, collapsed elsewhere. */
export function normalisePersonName(name: string): string {
  if (NORMAL_NAME.test(name)) return name;
  return name.normalize('NFC').replace(DOT_VARIANTS, MIDDLE_DOT).replace(SPACES, spaceInName);
}

/**
 * A run of spaces in a name: removed at either end (not String.trim, which would also take away the line
 * breaks and tabs that the plain-text rule refuses) and beside a Han character or a dot, one space elsewhere.
 * One pass over the runs: lookaround patterns backtrack quadratically over a long run of spaces.
 */
function spaceInName(run: string, at: number, name: string): string {
  const end = at + run.length;
  if (at === 0 || end === name.length) return '';
  // Han characters outside the BMP are surrogate pairs: look at whole code points on both sides.
  const before = String.fromCodePoint(name.codePointAt(at - 1 - (at >= 2 && /[\uDC00-\uDFFF]/.test(name[at - 1]) ? 1 : 0))!);
  const after = String.fromCodePoint(name.codePointAt(end)!);
  return HAN_OR_DOT.test(before) || HAN_OR_DOT.test(after) ? '' : ' ';
}

/** A citizen id in its normal form: NFKC (full-width digits and X), spaces and hyphens removed, a lower-case x capitalised. */
export function normaliseCitizenIdForm(id: string): string {
  if (NORMAL_CITIZEN_ID.test(id)) return id;
  return id.normalize('NFKC').replace(ID_SEPARATORS, '').replace(LOWER_X, 'X');
}

type Json = Record<string, unknown>;

/** The person objects of each record kind, by key; registry cards also have a `children` array. */
const PERSON_KEYS: Readonly<Record<string, readonly string[]>> = {
  'hukou-change': ['person'],
  'marriage-record': ['partyA', 'partyB'],
  'birth-notice': ['child', 'mother', 'father'],
  'registry-card': ['woman', 'husband'],
};

/** The record with every person's name and citizen id in normal form, and the fields that changed. */
export function normaliseRecordFields<T>(kind: string, record: T): NormalisedRecord<T> {
  const normalisations: FieldNormalisation[] = [];
  if (!isObject(record)) return { record, normalisations };
  let copy: Json | undefined;
  for (const key of PERSON_KEYS[kind] ?? []) {
    const person = normalisePerson(record[key], `/${key}`, normalisations);
    if (person !== record[key]) {
      copy ??= { ...record };
      copy[key] = person;
    }
  }
  const children = record.children;
  if (kind === 'registry-card' && Array.isArray(children)) {
    let childrenCopy: unknown[] | undefined;
    for (let i = 0; i < children.length; i++) {
      const child = normalisePerson(children[i], `/children/${i}`, normalisations);
      if (child !== children[i]) {
        childrenCopy ??= [...children];
        childrenCopy[i] = child;
      }
    }
    if (childrenCopy) {
      copy ??= { ...record };
      copy.children = childrenCopy;
    }
  }
  return { record: (copy ?? record) as T, normalisations };
}

function normalisePerson(person: unknown, at: string, out: FieldNormalisation[]): unknown {
  if (!isObject(person)) return person;
  let copy: Json | undefined;
  if (typeof person.name === 'string') {
    const name = normalisePersonName(person.name);
    if (name !== person.name) {
      copy = { ...person, name };
      out.push({ path: `${at}/name`, value: name });
    }
  }
  if (typeof person.citizenId === 'string') {
    const citizenId = normaliseCitizenIdForm(person.citizenId);
    if (citizenId !== person.citizenId) {
      copy = { ...(copy ?? person), citizenId };
      out.push({ path: `${at}/citizenId`, value: citizenId });
    }
  }
  return copy ?? person;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
