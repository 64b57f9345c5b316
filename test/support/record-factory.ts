import { checkCharacter, seededRandom } from '@sanxian/domain';

/**
 * Valid exchange records for tests and the benchmark, deterministic for a seed:
 * real village codes of 西充县 (511325), citizen ids with correct check characters.
 */
export const VILLAGES = [
  '511325001001', '511325001204', '511325002201', '511325101002', '511325102202', '511325103002', '511325104001',
  '511325104224', '511325105002', '511325105217', '511325106002', '511325107003', '511325107221', '511325107245',
  '511325108227', '511325109206', '511325110001', '511325111004', '511325111223', '511325112221', '511325113204',
  '511325113243', '511325114203', '511325114233', '511325116003', '511325116214', '511325203210', '511325226213',
  '511325227215', '511325232203',
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '何', '罗', '郑'];
const GIVEN = ['秀英', '桂兰', '建国', '志强', '婷', '丽', '子涵', '浩然', '雨欣', '明', '芳', '军', '静', '伟', '淑珍', '海燕'];

/** Deterministic records for a seed. */
export const prng = seededRandom;

export function citizenId(birthDate: string, sex: 'M' | 'F', serial: number, region = '511325'): string {
  const seq = String(((serial % 499) * 2 + (sex === 'M' ? 1 : 2)) % 1000).padStart(3, '0');
  const first17 = region + birthDate.replace(/-/g, '') + seq;
  return first17 + checkCharacter(first17);
}

export interface Person {
  citizenId: string;
  name: string;
  sex: 'M' | 'F';
  birthDate: string;
}

export function person(rand: () => number, serial: number, sex: 'M' | 'F', fromYear = 1976, toYear = 2005): Person {
  const year = fromYear + Math.floor(rand() * (toYear - fromYear + 1));
  const birthDate = `${year}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
  const name = SURNAMES[Math.floor(rand() * SURNAMES.length)] + GIVEN[Math.floor(rand() * GIVEN.length)];
  return { citizenId: citizenId(birthDate, sex, serial), name, sex, birthDate };
}

function eventDate(rand: () => number): string {
  return `2025-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`;
}

function village(rand: () => number): string {
  return VILLAGES[Math.floor(rand() * VILLAGES.length)];
}

export function hukouChange(serial: number, seed = 1, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const rand = prng(seed * 1_000_003 + serial);
  const types = ['move-in', 'move-out', 'death', 'update', 'birth-registration'];
  return {
    recordId: `HK-${seed}-${serial}`,
    eventDate: eventDate(rand),
    regionCode: village(rand),
    changeType: types[serial % types.length],
    person: person(rand, serial, serial % 2 ? 'M' : 'F'),
    householdId: `1302${String(serial).padStart(6, '0')}`,
    policeStation: { code: '511325520200', name: '西充县公安局多扶派出所' },
    ...overrides,
  };
}

export function marriageRecord(serial: number, seed = 1, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const rand = prng(seed * 1_000_033 + serial);
  return {
    recordId: `MR-${seed}-${serial}`,
    eventDate: eventDate(rand),
    regionCode: village(rand),
    registrationType: serial % 7 === 0 ? 'divorce' : 'marriage',
    partyA: { ...person(rand, serial, 'M'), hukouRegionCode: village(rand) },
    partyB: { ...person(rand, serial + 1, 'F'), hukouRegionCode: village(rand) },
    certificateNumber: `J511325-2025-${String(serial).padStart(6, '0')}`,
    registrationOffice: { code: '511325-MZ', name: '西充县民政局婚姻登记处' },
    ...overrides,
  };
}

export function birthNotice(serial: number, seed = 1, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const rand = prng(seed * 1_000_037 + serial);
  const date = eventDate(rand);
  return {
    recordId: `BN-${seed}-${serial}`,
    eventDate: date,
    regionCode: village(rand),
    child: { sex: serial % 2 ? 'M' : 'F', birthDate: date, name: '王' + GIVEN[serial % GIVEN.length], birthCertificateNumber: `N${String(510000000 + serial).slice(-9)}` },
    mother: { ...person(rand, serial, 'F', 1986, 2003), hukouRegionCode: village(rand) },
    father: person(rand, serial + 7, 'M', 1984, 2001),
    birthOrder: 1 + (serial % 3),
    facility: { code: '511325-FY', name: '西充县妇幼保健院' },
    ...overrides,
  };
}

export function registryCard(serial: number, seed = 1, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const rand = prng(seed * 1_000_039 + serial);
  const woman = person(rand, serial, 'F', 1977, 2006);
  return {
    recordId: `RC-${seed}-${serial}-v1`,
    eventDate: eventDate(rand),
    regionCode: village(rand),
    cardId: `C-${seed}-${serial}`,
    version: 1,
    woman: { ...woman, hukouRegionCode: village(rand) },
    maritalStatus: 'married',
    marriageDate: '2015-05-01',
    husband: person(rand, serial + 3, 'M', 1975, 2003),
    children: [{ citizenId: citizenId('2016-03-02', 'M', serial), name: '刘子涵', sex: 'M', birthDate: '2016-03-02', birthOrder: 1, policyCompliant: true }],
    residenceStatus: 'resident',
    ...overrides,
  };
}

export const FACTORIES = {
  'hukou-change': hukouChange,
  'marriage-record': marriageRecord,
  'birth-notice': birthNotice,
  'registry-card': registryCard,
} as const;
