import fc from 'fast-check';
import { buildLinkageIndex, candidatesFor } from './blocking';
import { preparePerson, type LinkagePerson, type RegistryPerson } from './comparison';
import { makeCitizenId, withWrongCheckDigit } from './person.factory';
import { pinyinKey } from '../person-name';

// Pinyin-IME slips with the same toneless reading (a subset of the synthetic county's table).
const HOMOPHONES: Readonly<Record<string, string>> = {
  英: '瑛', 兰: '岚', 芳: '方', 红: '虹', 萍: '平', 梅: '玫', 燕: '艳', 丽: '莉', 玲: '铃', 静: '婧',
  婷: '亭', 雪: '学', 琳: '林', 欣: '新', 佳: '家', 雨: '宇', 怡: '宜', 秀: '修', 桂: '贵', 建: '健',
  明: '鸣', 军: '君', 伟: '玮', 涛: '韬', 勇: '永', 浩: '昊', 志: '智', 华: '桦', 文: '雯', 思: '丝',
};
const SURNAMES = ['李', '王', '张', '刘', '陈', '杨', '何', '黄', '罗', '赵'];
const GIVEN = Object.keys(HOMOPHONES);
const VILLAGES = ['511325104003', '511325104007', '511325106001', '511325106002', '511325108010'];

const personArbitrary = fc.record({
  surname: fc.constantFrom(...SURNAMES),
  given: fc.array(fc.constantFrom(...GIVEN), { minLength: 1, maxLength: 2 }),
  birthDate: fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2010-12-31T00:00:00Z'), noInvalidDate: true }),
  sex: fc.constantFrom('M' as const, 'F' as const),
  village: fc.constantFrom(...VILLAGES),
  serial: fc.integer({ min: 0, max: 499 }),
});

interface PersonSpec {
  surname: string;
  given: string[];
  birthDate: Date;
  sex: 'M' | 'F';
  village: string;
  serial: number;
}

function toRegistryPerson(p: PersonSpec, personId: string): RegistryPerson {
  const birthDate = p.birthDate.toISOString().slice(0, 10);
  return {
    personId,
    name: p.surname + p.given.join(''),
    birthDate,
    sex: p.sex,
    regionCode: p.village,
    citizenId: makeCitizenId(p.village, birthDate, p.sex, p.serial),
  };
}

/** One given-name character replaced by its homophone. */
function withHomophoneTypo(name: string, position: number): string {
  const chars = Array.from(name);
  const i = 1 + (position % (chars.length - 1));
  chars[i] = HOMOPHONES[chars[i]];
  return chars.join('');
}

describe('blocking', () => {
  it('the homophone table really is homophones', () => {
    for (const [a, b] of Object.entries(HOMOPHONES)) expect(pinyinKey(`王${a}`)).toBe(pinyinKey(`王${b}`));
  });

  it('never misses a true match with a homophone typo, a wrong check digit, or both, with or without id', () => {
    fc.assert(
      fc.property(
        fc.array(personArbitrary, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.nat(),
        fc.constantFrom('homophone', 'check-digit', 'both', 'homophone-no-id', 'homophone-no-region', 'check-digit-no-name'),
        (people, pick, position, fault) => {
          const registry = people.map((p, i) => toRegistryPerson(p, `P${i}`));
          const truth = registry[pick % registry.length];
          const record: LinkagePerson = { ...truth };
          if (fault.startsWith('homophone') || fault === 'both') record.name = withHomophoneTypo(truth.name!, position);
          if (fault.startsWith('check-digit') || fault === 'both') record.citizenId = withWrongCheckDigit(truth.citizenId!);
          if (fault === 'homophone-no-id') delete record.citizenId;
          if (fault === 'homophone-no-region') {
            delete record.regionCode;
            delete record.citizenId;
          }
          if (fault === 'check-digit-no-name') {
            delete record.name;
            delete record.regionCode;
          }
          const index = buildLinkageIndex(registry);
          expect(candidatesFor(preparePerson(record), index).has(truth.personId)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 20251128 },
    );
  });

  it('finds a mother without id by name and township when her birth year is a year off', () => {
    const mother = toRegistryPerson(
      { surname: '张', given: ['秀', '英'], birthDate: new Date('1989-12-30T00:00:00Z'), sex: 'F', village: VILLAGES[0], serial: 3 },
      'M1',
    );
    const index = buildLinkageIndex([mother]);
    const record = { name: '张秀英', birthDate: '1990-12-30', sex: 'F' as const, regionCode: VILLAGES[0] };
    expect(candidatesFor(preparePerson(record), index)).toEqual(new Set(['M1']));
  });

  it('returns only persons sharing a key, not the whole registry', () => {
    const registry = Array.from({ length: 2000 }, (_, i) =>
      toRegistryPerson(
        {
          surname: SURNAMES[i % SURNAMES.length],
          given: [GIVEN[i % GIVEN.length], GIVEN[(i * 7) % GIVEN.length]],
          birthDate: new Date(Date.UTC(1950 + (i % 60), i % 12, 1 + (i % 28))),
          sex: i % 2 === 0 ? 'F' : 'M',
          village: VILLAGES[i % VILLAGES.length],
          serial: i % 500,
        },
        `P${i}`,
      ),
    );
    const index = buildLinkageIndex(registry);
    const candidates = candidatesFor(preparePerson(registry[123]), index);
    expect(candidates.has('P123')).toBe(true);
    expect(candidates.size).toBeLessThan(100);
  });

  it('finds a newborn on a card without name or id by township and birth day, for a record with a valid id', () => {
    const nameless: RegistryPerson = { personId: 'C1', birthDate: '2026-05-07', sex: 'M', regionCode: VILLAGES[0], motherName: '张秀英' };
    const index = buildLinkageIndex([nameless]);
    const registration = { citizenId: makeCitizenId(VILLAGES[0], '2026-05-07', 'M', 9), name: '罗然', birthDate: '2026-05-07', sex: 'M' as const, regionCode: VILLAGES[0] };
    expect(candidatesFor(preparePerson(registration), index)).toEqual(new Set(['C1']));
  });

  it('does not search the whole township and birth year for a record with a valid id, only for one without', () => {
    const neighbour = toRegistryPerson({ surname: '王', given: ['芳'], birthDate: new Date('1990-03-03T00:00:00Z'), sex: 'F', village: VILLAGES[0], serial: 5 }, 'N1');
    const index = buildLinkageIndex([neighbour]);
    const withId = { citizenId: makeCitizenId(VILLAGES[0], '1990-08-09', 'F', 6), name: '李丽', birthDate: '1990-08-09', sex: 'F' as const, regionCode: VILLAGES[0] };
    expect(candidatesFor(preparePerson(withId), index).size).toBe(0);
    const { citizenId: _id, ...withoutId } = withId;
    expect(candidatesFor(preparePerson(withoutId), index)).toEqual(new Set(['N1']));
  });

  it('rejects a person id given twice', () => {
    const p = toRegistryPerson({ surname: '李', given: ['英'], birthDate: new Date('1980-01-01'), sex: 'F', village: VILLAGES[0], serial: 1 }, 'P1');
    expect(() => buildLinkageIndex([p, p])).toThrow(RangeError);
  });
});
