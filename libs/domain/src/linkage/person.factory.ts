/** Test people for the linkage specs: valid ids built from their parts, overrides per case. */
import { checkCharacter } from '../citizen-id';
import type { RegistryPerson } from './comparison';

export const VILLAGE = '511325104003';
export const OTHER_VILLAGE_SAME_TOWNSHIP = '511325104007';
export const OTHER_TOWNSHIP = '511325106001';

/** A valid id: region (6), birth date, a 3-digit sequence of the sex's parity, check character. */
export function makeCitizenId(region: string, birthDate: string, sex: 'M' | 'F', serial = 1): string {
  const sequence = String((serial * 2 + (sex === 'M' ? 1 : 0)) % 1000).padStart(3, '0');
  const first17 = region.slice(0, 6) + birthDate.replaceAll('-', '') + sequence;
  return first17 + checkCharacter(first17);
}

/** The same id with a wrong (but well-formed) check character. */
export function withWrongCheckDigit(id: string): string {
  const right = id[17];
  const wrong = right === '0' ? '1' : '0';
  return id.slice(0, 17) + wrong;
}

export function registryPerson(overrides: Partial<RegistryPerson> & { personId: string }): RegistryPerson {
  const birthDate = overrides.birthDate ?? '1990-05-01';
  const sex = overrides.sex ?? 'F';
  const regionCode = overrides.regionCode ?? VILLAGE;
  return {
    name: '王丽',
    birthDate,
    sex,
    regionCode,
    citizenId: makeCitizenId(regionCode, birthDate, sex),
    ...overrides,
  };
}
