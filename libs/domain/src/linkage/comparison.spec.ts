import { comparePersons, type LinkagePerson } from './comparison';
import { makeCitizenId, OTHER_TOWNSHIP, OTHER_VILLAGE_SAME_TOWNSHIP, VILLAGE, withWrongCheckDigit } from './person.factory';

const base: LinkagePerson = {
  name: '王丽',
  birthDate: '1990-05-01',
  sex: 'F',
  regionCode: VILLAGE,
  citizenId: makeCitizenId(VILLAGE, '1990-05-01', 'F'),
};

function levels(record: Partial<LinkagePerson>, candidate: Partial<LinkagePerson> = {}) {
  return comparePersons({ ...base, ...record }, { ...base, ...candidate });
}

describe('comparePersons', () => {
  it('gives the strongest level of each field for identical persons', () => {
    expect(levels({})).toEqual({
      citizenId: 'equal',
      name: 'exact',
      birthDate: 'exact',
      sex: 'agree',
      region: 'village',
      relative: 'missing',
    });
  });

  it.each([
    ['王丽', 'exact'],
    ['王 丽', 'normalised'],
    ['王莉', 'homophone'],
    ['王力', 'homophone'],
    ['汪磊', 'initials'],
    ['李娜', 'different'],
  ] as const)('name %s against 王丽 is %s', (name, level) => {
    expect(levels({ name }).name).toBe(level);
  });

  it.each([
    ['1990-05-01', 'exact'],
    ['1991-05-01', 'typo'],
    ['1990-05-07', 'typo'],
    ['1990-01-05', 'typo'],
    ['1989-12-20', 'near'],
    ['1989-06-15', 'near'],
    ['1987-02-11', 'different'],
  ] as const)('birth date %s against 1990-05-01 is %s', (birthDate, level) => {
    expect(levels({ birthDate }).birthDate).toBe(level);
  });

  it('compares sex', () => {
    expect(levels({ sex: 'M' }).sex).toBe('disagree');
  });

  it.each([
    [VILLAGE, 'village'],
    [OTHER_VILLAGE_SAME_TOWNSHIP, 'township'],
    ['511325104', 'township'],
    [OTHER_TOWNSHIP, 'county'],
    ['511622100001', 'different'],
  ] as const)('region %s against the village is %s', (regionCode, level) => {
    expect(levels({ regionCode }).region).toBe(level);
  });

  describe('citizen id', () => {
    it('upgrades a 15-digit id before comparing', () => {
      const id18 = makeCitizenId(VILLAGE, '1965-03-08', 'F');
      const id15 = id18.slice(0, 6) + id18.slice(8, 17);
      expect(comparePersons({ citizenId: id15 }, { citizenId: id18 }).citizenId).toBe('equal');
    });

    it('calls a wrong check digit a repair', () => {
      expect(levels({ citizenId: withWrongCheckDigit(base.citizenId!) }).citizenId).toBe('repair');
    });

    it('calls an id with a mistyped digit that breaks the checksum a repair', () => {
      const id = base.citizenId!;
      const typo = id.slice(0, 15) + String((Number(id[15]) + 3) % 10) + id.slice(16);
      expect(levels({ citizenId: typo }).citizenId).toBe('repair');
    });

    it('calls two valid ids one birth-date digit apart (a mistyped registry id, check recomputed) a repair', () => {
      const mistyped = makeCitizenId(VILLAGE, '1990-05-04', 'F');
      expect(levels({}, { citizenId: mistyped }).citizenId).toBe('repair');
    });

    it('calls two valid ids one sequence digit apart different: another person born that day there', () => {
      const sameDayNeighbour = makeCitizenId(VILLAGE, '1990-05-01', 'F', 11);
      expect(levels({}, { citizenId: sameDayNeighbour }).citizenId).toBe('different');
    });

    it('calls unrelated ids different', () => {
      expect(levels({ citizenId: makeCitizenId(OTHER_TOWNSHIP, '1970-01-02', 'F') }).citizenId).toBe('different');
    });
  });

  describe('missing values', () => {
    it.each(['citizenId', 'name', 'birthDate', 'sex', 'regionCode'] as const)('%s absent compares as missing', (field) => {
      const key = field === 'regionCode' ? 'region' : field;
      expect(levels({ [field]: undefined })[key]).toBe('missing');
      expect(levels({}, { [field]: '' })[key]).toBe('missing');
    });

    it('a name of spaces is missing, not different', () => {
      expect(levels({ name: '  ' }).name).toBe('missing');
    });
  });

  describe('relative (spouse or mother)', () => {
    it('agrees on a homophone of the mother', () => {
      expect(levels({ motherName: '张秀英' }, { motherName: '张秀瑛' }).relative).toBe('agree');
    });
    it('disagrees on another mother', () => {
      expect(levels({ motherName: '张秀英' }, { motherName: '李桂兰' }).relative).toBe('disagree');
    });
    it('is missing when the sides name different relatives', () => {
      expect(levels({ motherName: '张秀英' }, { spouseName: '李建国' }).relative).toBe('missing');
    });
    it('agrees if either relative agrees', () => {
      expect(levels({ motherName: '张秀英', spouseName: '李建国' }, { motherName: '张秀英', spouseName: '刘军' }).relative).toBe('agree');
    });
  });
});
