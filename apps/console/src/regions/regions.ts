// The division lists the hub itself reconciles with (versioned data in libs/domain), bundled at build time.
import xichong from '../../../../libs/domain/data/regions/511325.json';
import wusheng from '../../../../libs/domain/data/regions/511622.json';

interface RegionFile {
  county: { code: string; name: string };
  townships: { code: string; name: string; villages: { code: string; name: string }[] }[];
}

export interface RegionOption {
  code: string;
  name: string;
}

const names = new Map<string, string>();
const villagesOf = new Map<string, RegionOption[]>();
const townshipsOf = new Map<string, RegionOption[]>();

/** "鹤鸣路社区居民委员会" → "鹤鸣路社区", "双龙村村民委员会" → "双龙村": the committee suffix says nothing a list needs. */
function shortVillageName(name: string): string {
  return name.replace(/(村民委员会|居民委员会|居委会)$/, '') || name;
}

for (const file of [xichong, wusheng] as RegionFile[]) {
  names.set(file.county.code, file.county.name);
  townshipsOf.set(file.county.code, file.townships.map((t) => ({ code: t.code, name: t.name })));
  for (const township of file.townships) {
    names.set(township.code, township.name);
    const villages = township.villages.map((v) => ({ code: v.code, name: shortVillageName(v.name) }));
    villagesOf.set(township.code, villages);
    for (const village of villages) names.set(village.code, village.name);
  }
}

/** The name of a county, township or village code; the code itself when it is not known. */
export function regionName(code: string | null | undefined): string {
  if (!code) return '';
  return names.get(code) ?? code;
}

export function villages(townshipCode: string): RegionOption[] {
  return villagesOf.get(townshipCode) ?? [];
}

/** Every township of the counties the hub knows, by code. */
export function allTownships(): RegionOption[] {
  return [...townshipsOf.values()].flat().sort((a, b) => a.code.localeCompare(b.code));
}
