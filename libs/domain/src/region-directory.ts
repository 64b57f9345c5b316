/**
 * The administrative hierarchy of the counties the hub serves: county (6 digits), township
 * (9) and village or community (12), with their names. Built from already-parsed region files
 * (`libs/domain/data/regions/<county>.json`; reading and schema checks are in contracts), so
 * that the rules using it stay pure. Unlike region-code.ts, which checks codes by form, this
 * knows which codes exist.
 */
import { regionLevel, type RegionLevel } from './region-code';

/** One county's file: every township with every village, as the NBS publishes them. */
export interface RegionFile {
  county: { code: string; name: string };
  townships: {
    code: string;
    name: string;
    villages: { code: string; name: string; urbanRural?: string | null }[];
  }[];
  source?: string;
  licence?: string;
}

export interface Region {
  code: string;
  name: string;
  level: RegionLevel;
  /** The county of a township, the township of a village. */
  parent?: string;
  /** NBS urban-rural classification code (111 … 220) of a village, where the file gives one. */
  urbanRural?: string;
}

export class RegionDirectory {
  private readonly byCode = new Map<string, Readonly<Region>>();
  private readonly children = new Map<string, Readonly<Region>[]>();
  private readonly countyList: Readonly<Region>[] = [];
  private readonly townshipList: Readonly<Region>[] = [];
  private readonly villageList: Readonly<Region>[] = [];

  private constructor() {}

  /**
   * Several counties at once. Throws on a duplicate code, a code of the wrong form for its
   * level, or a township (village) whose code does not start with its county's (township's).
   */
  static fromFiles(files: readonly RegionFile[]): RegionDirectory {
    const directory = new RegionDirectory();
    for (const file of files) {
      const county = file.county.code;
      directory.add({ code: county, name: file.county.name, level: 'county' });
      for (const township of file.townships) {
        if (!township.code.startsWith(county)) {
          throw new Error(`township ${township.code} ${township.name} is not under its county ${county}`);
        }
        directory.add({ code: township.code, name: township.name, level: 'township', parent: county });
        for (const village of township.villages) {
          if (!village.code.startsWith(township.code)) {
            throw new Error(
              `village ${village.code} ${village.name} is not under its township ${township.code} (county ${county})`,
            );
          }
          const region: Region = { code: village.code, name: village.name, level: 'village', parent: township.code };
          if (village.urbanRural != null) region.urbanRural = village.urbanRural;
          directory.add(region);
        }
      }
    }
    for (const list of [directory.countyList, directory.townshipList, directory.villageList, ...directory.children.values()]) {
      list.sort(byCode);
    }
    return directory;
  }

  counties(): Region[] {
    return [...this.countyList];
  }

  /** Every township, or those of one county ([] for a county not known). */
  townships(countyCode?: string): Region[] {
    return countyCode === undefined ? [...this.townshipList] : this.childrenOf(countyCode, 'county');
  }

  /** Every village, or those of one township ([] for a township not known). */
  villages(townshipCode?: string): Region[] {
    return townshipCode === undefined ? [...this.villageList] : this.childrenOf(townshipCode, 'township');
  }

  get(code: string): Region | undefined {
    return this.byCode.get(code);
  }

  /** '西充县', '南台街道', '鹤鸣路社区居民委员会' */
  nameOf(code: string): string | undefined {
    return this.byCode.get(code)?.name;
  }

  /** The names from the county down, space-separated: '西充县 南台街道 鹤鸣路社区居民委员会'. */
  fullName(code: string): string | undefined {
    let region = this.byCode.get(code);
    if (region === undefined) return undefined;
    const names = [region.name];
    while (region.parent !== undefined) {
      region = this.byCode.get(region.parent);
      if (region === undefined) break;
      names.push(region.name);
    }
    return names.reverse().join(' ');
  }

  /** The township owning a known village, or a known township itself; undefined otherwise. */
  townshipOf(code: string): string | undefined {
    const region = this.byCode.get(code);
    if (region?.level === 'township') return region.code;
    if (region?.level === 'village') return region.parent;
    return undefined;
  }

  /** Whether `code` is a known county, township or village of that county (a county belongs to itself). */
  belongsTo(code: string, countyCode: string): boolean {
    // Codes were checked against their parents' prefixes when the directory was built.
    return this.byCode.has(code) && code.startsWith(countyCode) && this.byCode.get(countyCode)?.level === 'county';
  }

  isKnown(code: string): boolean {
    return this.byCode.has(code);
  }

  private add(region: Region): void {
    if (regionLevel(region.code) !== region.level) {
      throw new Error(`${region.code} ${region.name} is not a well-formed ${region.level} code`);
    }
    const existing = this.byCode.get(region.code);
    if (existing !== undefined) {
      throw new Error(`duplicate region code ${region.code}: ${existing.name} and ${region.name}`);
    }
    const frozen = Object.freeze(region);
    this.byCode.set(region.code, frozen);
    const list = region.level === 'county' ? this.countyList : region.level === 'township' ? this.townshipList : this.villageList;
    list.push(frozen);
    if (region.parent !== undefined) {
      const siblings = this.children.get(region.parent);
      if (siblings === undefined) this.children.set(region.parent, [frozen]);
      else siblings.push(frozen);
    }
  }

  private childrenOf(code: string, level: RegionLevel): Region[] {
    if (this.byCode.get(code)?.level !== level) return [];
    return [...(this.children.get(code) ?? [])];
  }
}

function byCode(a: Region, b: Region): number {
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
