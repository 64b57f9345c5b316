import { CitizenIdAllocator } from './citizen-id.allocator';
import { dayOf, parseIsoDate, type Day } from './calendar.util';
import type { CountyData } from './county-data.loader';
import { AgeSampler, ageWeights } from './demography.model';
import type { ResolvedOptions } from './synth-options';

export interface Organisation {
  code: string;
  name: string;
}

/** Running counts of what happened in the simulated world (not in the records): the manifest's statistics. */
export interface WorldStats {
  peopleAtStart: number;
  householdsAtStart: number;
  ageGroupsAtStart: [number, number, number];
  women15to49AtStart: number;
  males: number;
  births: number;
  birthsByOrder: Record<string, number>;
  compliantBirths: number;
  boys: number;
  deaths: number;
  marriages: number;
  divorces: number;
  movedIn: number;
  movedOut: number;
  floatingIn: number;
  floatingOut: number;
}

/** Everything the generation of one household needs besides its own random streams. */
export interface WorldContext {
  options: ResolvedOptions;
  county: CountyData;
  periodStart: Day;
  /** 31 December of the year. */
  periodEnd: Day;
  /** The world stops here: min(asOf, periodEnd). */
  worldEnd: Day;
  asOf: Day;
  ids: CitizenIdAllocator;
  ages: AgeSampler;
  counters: {
    person: number;
    synthetic: number;
    household: number;
    hukouRecord: number;
    marriageRecord: number;
    marriageCertificate: number;
    divorceCertificate: number;
    notice: number;
    birthCertificate: number;
    cardSeq: Map<string, number>;
  };
  stats: WorldStats;
  policeStation: (township: string) => Organisation;
  facilities: { county: Organisation[]; township: (township: string) => Organisation };
  marriageOffice: Organisation;
  /** 6-digit county codes outside Sichuan where people from here move (Guangdong, Zhejiang, Chongqing, …). */
  outOfProvince: readonly string[];
}

/**
 * Real GB/T 2260 county-level codes of the commonest destinations of Sichuan's migrants, used as
 * 6-digit from/to codes of moves out of the province, as the contract allows.
 */
const OUT_OF_PROVINCE = [
  '440305', // 深圳市南山区
  '440306', // 深圳市宝安区
  '441900', // 东莞市
  '440106', // 广州市天河区
  '330782', // 义乌市
  '330106', // 杭州市西湖区
  '320583', // 昆山市
  '310115', // 上海市浦东新区
  '500103', // 重庆市渝中区
  '500101', // 重庆市万州区
  '350203', // 厦门市思明区
  '110105', // 北京市朝阳区
];

export function createWorldContext(options: ResolvedOptions, county: CountyData): WorldContext {
  const periodStart = dayOf(options.year, 1, 1);
  const periodEnd = dayOf(options.year, 12, 31);
  const asOf = parseIsoDate(options.asOf)!;
  const townships = new Map(county.townships.map((t) => [t.code, t]));
  const short = (name: string) => name.replace(/(街道|镇|乡)$/, '');
  return {
    options,
    county,
    periodStart,
    periodEnd,
    worldEnd: Math.min(asOf, periodEnd),
    asOf,
    ids: new CitizenIdAllocator(county.code),
    ages: new AgeSampler(ageWeights(county.census)),
    counters: {
      person: 0,
      synthetic: 0,
      household: 0,
      hukouRecord: 0,
      marriageRecord: 0,
      marriageCertificate: 0,
      divorceCertificate: 0,
      notice: 0,
      birthCertificate: 0,
      cardSeq: new Map(),
    },
    stats: {
      peopleAtStart: 0,
      householdsAtStart: 0,
      ageGroupsAtStart: [0, 0, 0],
      women15to49AtStart: 0,
      males: 0,
      births: 0,
      birthsByOrder: {},
      compliantBirths: 0,
      boys: 0,
      deaths: 0,
      marriages: 0,
      divorces: 0,
      movedIn: 0,
      movedOut: 0,
      floatingIn: 0,
      floatingOut: 0,
    },
    policeStation: (township) => ({
      code: `${county.code}52${township.slice(6, 9)}0`,
      name: `${county.name}公安局${short(townships.get(township)?.name ?? county.shortName)}派出所`,
    }),
    facilities: {
      county: [
        { code: `H${county.code}001`, name: `${county.name}人民医院` },
        { code: `H${county.code}002`, name: `${county.name}中医医院` },
        { code: `H${county.code}003`, name: `${county.name}妇幼保健院` },
      ],
      township: (township) => {
        const name = townships.get(township)?.name ?? '';
        // Sub-districts (街道) have community health centres; towns and townships have 卫生院. The
        // trailing 0 keeps these codes apart from the county hospitals' (H<county>001…003).
        return { code: `H${township}0`, name: `${county.name}${name}${name.endsWith('街道') ? '社区卫生服务中心' : '卫生院'}` };
      },
    },
    marriageOffice: { code: `${county.code}0001`, name: `${county.name}民政局婚姻登记处` },
    outOfProvince: OUT_OF_PROVINCE,
  };
}
