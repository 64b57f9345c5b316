import type { RandomSource } from './random-source';
import type { FeedEntry, PersonObject } from './synth-records.types';

/**
 * The forms in which field systems write a name or a citizen id that mean the same as the normal
 * form (the exchange contract's "Normalisation at intake"): the hub reads each in its normal form
 * with a `normalised` warning, so none changes what reconciliation finds. Truth code `field-form:<form>`.
 */
export const FIELD_FORMS = ['name-spaces', 'name-ideographic-space', 'name-dot-variant', 'id-full-width', 'id-lower-x', 'id-separators'] as const;
export type FieldForm = (typeof FIELD_FORMS)[number];

/**
 * Of the records given a field form (`rate`), the share of each form. A form that does not fit the
 * drawn person — a lower-case x in an id not ending in X, a name of one character — is written as
 * another form of the same field (full-width digits, surrounding spaces).
 */
export const FIELD_FORM_SHARES: Readonly<Record<Exclude<FieldForm, 'name-dot-variant'>, number>> = {
  'name-spaces': 0.3,
  'name-ideographic-space': 0.25,
  'id-full-width': 0.2,
  'id-lower-x': 0.1,
  'id-separators': 0.15,
};

/**
 * A name with a middle dot is written with a variant dot (•, ・, ‧) this many times as often as
 * the rate (40% at the default): few field systems have U+00B7 on their keyboards, and dotted names are rare.
 */
export const DOT_VARIANT_FACTOR = 5;

const FORM_TABLE = (Object.keys(FIELD_FORM_SHARES) as (keyof typeof FIELD_FORM_SHARES)[]).flatMap((form) =>
  Array.from({ length: Math.round(FIELD_FORM_SHARES[form] * 20) }, () => form),
);
const DOT_VARIANTS = ['\u2022', '\u30FB', '\u2027'];
const SURROUNDING = [' ', '  ', '\u3000', ' \u3000'];

/**
 * Writes a share (`rate`) of valid records with one person's name or citizen id in a field form. Applied
 * after the truth is computed, from its own random stream: the forms change no other byte and no
 * discrepancy. A record object shared with its resent copy is written once, so both copies stay identical.
 */
export class FieldFormWriter {
  private readonly written = new Map<object, string[]>();

  constructor(
    private readonly rate: number,
    private readonly rng: RandomSource,
    private readonly counts: Record<string, number>,
  ) {}

  write(entries: readonly FeedEntry[]): void {
    for (const entry of entries) {
      const done = this.written.get(entry.record);
      if (done !== undefined) {
        for (const code of done) if (!entry.truth.faults.includes(code)) entry.truth.faults.push(code);
        continue;
      }
      // A resent copy shares its original's record object: it was written (or not) with the original.
      if (!entry.valid || entry.truth.faults.includes('resent')) continue;
      const codes: string[] = [];
      const people = personObjectsOf(entry.record);
      for (const person of people) {
        if (person.name?.includes('\u00B7') && this.rng.chance(Math.min(1, this.rate * DOT_VARIANT_FACTOR))) {
          person.name = person.name.replace('\u00B7', this.rng.pick(DOT_VARIANTS));
          codes.push('field-form:name-dot-variant');
        }
      }
      if (this.rng.chance(this.rate)) {
        const code = this.writeOne(people);
        if (code !== undefined) codes.push(code);
      }
      if (codes.length === 0) continue;
      const unique = [...new Set(codes)];
      this.written.set(entry.record, unique);
      entry.truth.faults.push(...unique);
      for (const code of codes) this.counts[code] = (this.counts[code] ?? 0) + 1;
    }
  }

  /** One person's name or id in one form (not a dot variant: those come with the name). */
  private writeOne(all: { name?: string; citizenId?: string }[]): string | undefined {
    const people = all.filter((p) => p.name !== undefined || p.citizenId !== undefined);
    if (people.length === 0) return undefined;
    const person = this.rng.pick(people);
    let form: FieldForm = this.rng.pick(FORM_TABLE);
    if (form.startsWith('name-') && person.name === undefined) form = 'id-full-width';
    if (form.startsWith('id-') && person.citizenId === undefined) form = 'name-spaces';
    if (form === 'id-lower-x' && !person.citizenId!.endsWith('X')) form = 'id-full-width';
    if (form === 'name-ideographic-space' && Array.from(person.name!).length < 2) form = 'name-spaces';
    if (form.startsWith('name-')) person.name = this.nameIn(form, person.name!);
    else person.citizenId = this.idIn(form, person.citizenId!);
    return `field-form:${form}`;
  }

  private nameIn(form: FieldForm, name: string): string {
    const chars = Array.from(name);
    if (form === 'name-ideographic-space') return `${chars[0]}\u3000${chars.slice(1).join('')}`;
    // Leading, trailing, or a run of spaces inside the name.
    const at = this.rng.int(0, 2);
    if (at === 0) return this.rng.pick(SURROUNDING) + name;
    if (at === 1 || chars.length < 2) return name + this.rng.pick(SURROUNDING);
    return `${chars[0]}  ${chars.slice(1).join('')}`;
  }

  private idIn(form: FieldForm, id: string): string {
    switch (form) {
      case 'id-full-width':
        // The digits (and X) as a full-width input method writes them.
        return id.replace(/[0-9X]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
      case 'id-lower-x':
        return `${id.slice(0, -1)}x`;
      default: {
        // Grouped as printed on cards and forms: region, birth date, sequence.
        const separator = this.rng.pick([' ', '-']);
        return id.length === 18 ? [id.slice(0, 6), id.slice(6, 14), id.slice(14)].join(separator) : [id.slice(0, 6), id.slice(6, 12), id.slice(12)].join(separator);
      }
    }
  }
}

/** Every person object of a record that carries a name or a citizen id: the agencies' roles, and a card's woman, husband and children. */
function personObjectsOf(record: object): { name?: string; citizenId?: string }[] {
  const r = record as Record<string, unknown>;
  const out: { name?: string; citizenId?: string }[] = [];
  for (const role of ['person', 'partyA', 'partyB', 'mother', 'father', 'child', 'woman', 'husband']) {
    const value = r[role];
    if (value && typeof value === 'object') out.push(value as PersonObject);
  }
  if (Array.isArray(r.children)) out.push(...(r.children as { name?: string; citizenId?: string }[]));
  return out;
}
