import { checkCharacter } from '@sanxian/domain';
import { compactDate, dayOf, type Day } from './calendar.util';
import type { RandomSource } from './random-source';
import type { Sex } from './population.types';

const FIRST_DAY = dayOf(1900, 1, 1);
const LAST_DAY = dayOf(2099, 12, 31);
const SPAN = LAST_DAY - FIRST_DAY + 1;
// Sequence numbers 001–898 go to people; 899–999 are kept for ids the FP office mistypes, so
// that a mistyped id is valid but never anyone's. Each birth date and sex starts at its own
// offset (0–398, from a hash), so that sequences look like real ones (042, 317…) and not all 001.
const MAX_ISSUED = 249;
const RESERVED_FROM = 899;

/**
 * Issues unique, valid 18-character ids (GB 11643-1999): region prefix, birth date, a sequence
 * whose parity is the sex (odd male, even female) and the check character. Uniqueness needs one
 * counter per birth date and sex, a fixed-size table whatever the number of people.
 */
export class CitizenIdAllocator {
  private readonly issued = [new Uint16Array(SPAN * 2), new Uint16Array(SPAN * 2)];
  private readonly reserved = new Uint8Array(SPAN * 2);

  constructor(private readonly homeCounty: string) {}

  allocate(prefix: string, birth: Day, sex: Sex): string {
    const slot = this.slot(birth, sex);
    // Ids of this county and of elsewhere count apart: they cannot collide across prefixes.
    const table = this.issued[prefix === this.homeCounty ? 0 : 1];
    const n = table[slot];
    if (n >= MAX_ISSUED) throw new RangeError(`more than ${MAX_ISSUED} people of one sex born on one day: the population is too large for unique ids`);
    table[slot] = n + 1;
    const base = 2 * (Math.imul(slot ^ 0x5bd1e995, 0x27d4eb2d) >>> 24) % 400;
    return withCheck(`${prefix}${compactDate(birth)}${pad3(base + 2 * n + (sex === 'M' ? 1 : 2))}`);
  }

  /** A valid id with the same prefix, birth date and sex as `id`, belonging to nobody: a clerk's slip the check digit cannot catch. */
  mistype(id: string, birth: Day, sex: Sex): string {
    const slot = this.slot(birth, sex);
    const n = this.reserved[slot] % 50;
    this.reserved[slot] = n + 1;
    return withCheck(`${id.slice(0, 14)}${pad3(RESERVED_FROM + 2 * n + (sex === 'M' ? 0 : 1))}`);
  }

  private slot(birth: Day, sex: Sex): number {
    const index = birth - FIRST_DAY;
    if (index < 0 || index >= SPAN) throw new RangeError(`birth day ${birth} outside 1900–2099`);
    return index * 2 + (sex === 'M' ? 1 : 0);
  }
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n);
}

function withCheck(first17: string): string {
  return first17 + checkCharacter(first17);
}

/** The pre-1999 15-digit form of an id of someone born in the 1900s. */
export function fifteenDigitForm(id: string): string {
  if (id.slice(6, 8) !== '19') throw new RangeError(`only ids of people born 1900–1999 had a 15-digit form: ${id}`);
  return id.slice(0, 6) + id.slice(8, 17);
}

/** The id with a wrong check character, as a hospital clerk might type it. */
export function withWrongCheckDigit(rng: RandomSource, id: string): string {
  const right = id[17];
  const wrong = '0123456789X'.replace(right, '');
  return id.slice(0, 17) + wrong[rng.int(0, wrong.length - 1)];
}
