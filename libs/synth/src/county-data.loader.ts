import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pinyin } from 'pinyin-pro';

/**
 * The real data the synthetic county stands on: its townships and villages (NBS 2023 codes)
 * and its 2020 census row. Read from libs/domain/data/regions/, found by walking up from this
 * file, so it works from source (jest) and from dist/ alike.
 */
export interface Village {
  code: string;
  name: string;
  /** Residents' committee (code 0xx, 社区/居委会): town-like. */
  urban: boolean;
}

export interface Township {
  code: string;
  name: string;
  villages: Village[];
}

export interface CensusRow {
  population: number;
  male: number;
  female: number;
  avgHouseholdSize: number;
  /** Percent of the population. */
  pctAge0to14: number;
  pctAge15to64: number;
  pctAge65plus: number;
  pctWomen15to49: number;
  avgLiveBirthsPerWoman15to64: number;
}

export interface CountyData {
  code: string;
  name: string;
  /** The name without its 县/区/市 suffix, for office names: 西充. */
  shortName: string;
  /** Upper-case pinyin initials of the short name, for card and record ids: XC. */
  abbreviation: string;
  townships: Township[];
  census: CensusRow;
  /** Other Sichuan county-level codes of the census table (id prefixes of people from elsewhere in the province). */
  otherSichuanCounties: string[];
  /** Villages of the other counties with region data (real 12-digit codes for movers and floating people). */
  neighbourVillages: string[];
}

interface RegionFile {
  county: { code: string; name: string };
  townships: { code: string; name: string; villages: { code: string; name: string }[] }[];
}

export function regionDataDir(start: string = __dirname): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, 'libs', 'domain', 'data', 'regions');
    if (existsSync(join(candidate, 'demographics.csv'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`libs/domain/data/regions not found above ${start}`);
  }
}

export function loadCountyData(code: string, dataDir: string = regionDataDir()): CountyData {
  const file = join(dataDir, `${code}.json`);
  if (!existsSync(file)) {
    const known = readdirSync(dataDir).filter((f) => /^\d{6}\.json$/.test(f)).map((f) => f.slice(0, 6));
    throw new Error(`no region data for county ${code}; counties with data: ${known.join(', ')}`);
  }
  const region = JSON.parse(readFileSync(file, 'utf8')) as RegionFile;
  const rows = readCensus(join(dataDir, 'demographics.csv'));
  const row = rows.get(code);
  if (!row) throw new Error(`no census row for county ${code} in demographics.csv`);

  const neighbourVillages: string[] = [];
  for (const other of readdirSync(dataDir).filter((f) => /^\d{6}\.json$/.test(f) && f !== `${code}.json`).sort()) {
    const data = JSON.parse(readFileSync(join(dataDir, other), 'utf8')) as RegionFile;
    for (const township of data.townships) for (const village of township.villages) neighbourVillages.push(village.code);
  }
  const shortName = region.county.name.length > 2 ? region.county.name.replace(/[县区市]$/, '') : region.county.name;
  return {
    code,
    name: region.county.name,
    shortName,
    abbreviation: pinyin(shortName, { pattern: 'first', toneType: 'none', type: 'array' }).join('').toUpperCase(),
    townships: region.townships.map((t) => ({
      code: t.code,
      name: t.name,
      villages: t.villages.map((v) => ({ code: v.code, name: v.name, urban: v.code[9] === '0' })),
    })),
    census: row.census,
    otherSichuanCounties: [...rows.values()].filter((r) => r.level === 'county' && r.code !== code && r.code.startsWith('51')).map((r) => r.code),
    neighbourVillages,
  };
}

interface CsvRow {
  code: string;
  level: string;
  census: CensusRow;
}

function readCensus(file: string): Map<string, CsvRow> {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0].split(',');
  const col = (name: string): number => {
    const index = header.indexOf(name);
    if (index < 0) throw new Error(`demographics.csv has no column ${name}`);
    return index;
  };
  const c = {
    level: col('level'),
    code: col('code'),
    population: col('population'),
    male: col('male'),
    female: col('female'),
    size: col('avg_household_size'),
    p0: col('pct_age_0_14'),
    p15: col('pct_age_15_64'),
    p65: col('pct_age_65_plus'),
    w: col('pct_women_15_49'),
    births: col('avg_live_births_per_woman_15_64'),
  };
  const rows = new Map<string, CsvRow>();
  for (const line of lines.slice(1)) {
    // No field of this file is quoted or contains a comma (checked by its extraction script).
    const f = line.split(',');
    const num = (i: number, fallback: number): number => (f[i] === '' || f[i] === undefined ? fallback : Number(f[i]));
    rows.set(f[c.code], {
      code: f[c.code],
      level: f[c.level],
      census: {
        population: num(c.population, 0),
        male: num(c.male, 0),
        female: num(c.female, 0),
        avgHouseholdSize: num(c.size, 2.5),
        pctAge0to14: num(c.p0, 16),
        pctAge15to64: num(c.p15, 67),
        pctAge65plus: num(c.p65, 17),
        pctWomen15to49: num(c.w, 22),
        avgLiveBirthsPerWoman15to64: num(c.births, 1.2),
      },
    });
  }
  return rows;
}
