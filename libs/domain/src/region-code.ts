/**
 * Administrative division codes (GB/T 2260 plus the statistics bureau's
 * township and village extensions), checked by form only: the real code list
 * changes yearly and is kept as versioned data elsewhere.
 */
export type RegionLevel = 'county' | 'township' | 'village';

const LEVEL_BY_LENGTH: Readonly<Record<number, RegionLevel>> = { 6: 'county', 9: 'township', 12: 'village' };

// Province-level codes of GB/T 2260, including Taiwan (71), Hong Kong (81) and Macao (82).
const PROVINCE_CODE =
  /^(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])/;

export function regionLevel(code: string): RegionLevel | undefined {
  if (!/^\d+$/.test(code) || !PROVINCE_CODE.test(code)) return undefined;
  return LEVEL_BY_LENGTH[code.length];
}

export function isRegionCode(code: string, levels?: readonly RegionLevel[]): boolean {
  const level = regionLevel(code);
  return level !== undefined && (levels === undefined || levels.includes(level));
}

/** The township a village belongs to, or the township itself; undefined for counties and malformed codes. */
export function townshipOf(code: string): string | undefined {
  const level = regionLevel(code);
  return level === 'township' || level === 'village' ? code.slice(0, 9) : undefined;
}

/** The county of any well-formed code (a county is its own county). */
export function countyOf(code: string): string | undefined {
  return regionLevel(code) === undefined ? undefined : code.slice(0, 6);
}
