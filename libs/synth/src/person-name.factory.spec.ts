import { normaliseName } from '@sanxian/domain';
import { FEMALE_GIVEN, HOMOPHONES, MALE_GIVEN, SURNAMES, TRADITIONAL } from './chinese-names.data';
import { drawGivenName, drawSurname, mistypeName } from './person-name.factory';
import { RandomSource } from './random-source';

// The contract's personName pattern.
const PERSON_NAME = /^[\p{Script=Han}\p{Script=Latin}](?:[\p{Script=Han}\p{Script=Latin}\p{M} .'·•・-]*[\p{Script=Han}\p{Script=Latin}\p{M}.])?$/u;

describe('names', () => {
  it('traditional forms normalise back to the simplified character (the hub\'s normaliseName)', () => {
    for (const [simplified, traditional] of Object.entries(TRADITIONAL)) {
      expect({ traditional, normalised: normaliseName(traditional) }).toEqual({ traditional, normalised: simplified });
    }
  });

  it('homophone slips stay different names after normalisation', () => {
    for (const [from, to] of Object.entries(HOMOPHONES)) {
      expect({ from, to, same: normaliseName(`王${from}`) === normaliseName(`王${to}`) }).toEqual({ from, to, same: false });
    }
  });

  it('draws names that fit the contract, and typos whose kind matches what normalisation does', () => {
    const rng = RandomSource.derive('names');
    let variants = 0;
    let typos = 0;
    for (let i = 0; i < 2000; i++) {
      const sex = i % 2 === 0 ? 'F' : 'M';
      const year = 1930 + (i % 95);
      const name = drawSurname(rng) + drawGivenName(rng, sex, year);
      expect(name).toMatch(PERSON_NAME);
      const typo = mistypeName(rng, name, sex, year);
      expect(typo.name).toMatch(PERSON_NAME);
      expect(typo.name).not.toBe(name);
      const same = normaliseName(typo.name) === normaliseName(name);
      expect({ name, typo, same }).toEqual({ name, typo, same: typo.fault === 'name-variant' });
      if (typo.fault === 'name-variant') variants++;
      else typos++;
    }
    expect(variants / (variants + typos)).toBeGreaterThan(0.3);
    expect(variants / (variants + typos)).toBeLessThan(0.5);
  });

  it('has frequency tables without duplicates', () => {
    expect(new Set(SURNAMES.map(([s]) => s)).size).toBe(SURNAMES.length);
    for (const cohort of [...FEMALE_GIVEN, ...MALE_GIVEN]) expect(cohort.whole.length + cohort.single.length).toBeGreaterThan(5);
  });
});
