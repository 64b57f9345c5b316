import fc from 'fast-check';
import { countyOf, isRegionCode, regionLevel, townshipOf } from './region-code';

describe('regionLevel', () => {
  it.each([
    ['110105', 'county'],
    ['440524', 'county'],
    ['820000', 'county'],
    ['110105001', 'township'],
    ['110105001201', 'village'],
    ['652324203210', 'village'],
  ])('%s is a %s', (code, level) => {
    expect(regionLevel(code)).toBe(level);
  });

  it.each([
    '',
    '11010',
    '1101050',
    '11010500',
    '1101050012',
    '11010500120',
    '1101050012010',
    '11010a',
    ' 110105',
    '110105 ',
    '１１０１０５',
    '-11010',
    '100105', // 10 is no province
    '160105',
    '200105',
    '240105',
    '380105',
    '470105',
    '550105',
    '660105',
    '700105',
    '720105',
    '800105',
    '830105',
    '990105',
  ])('rejects %p', (code) => {
    expect(regionLevel(code)).toBeUndefined();
  });

  it('classifies every all-digit code with a valid province by its length', () => {
    const province = fc.constantFrom('11', '15', '21', '23', '31', '37', '41', '46', '50', '54', '61', '65', '71', '81', '82');
    const tail = fc.constantFrom(4, 7, 10).chain((n) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n }));
    fc.assert(
      fc.property(province, tail, (p, t) => {
        const code = p + t;
        return regionLevel(code) === ({ 6: 'county', 9: 'township', 12: 'village' } as const)[code.length as 6 | 9 | 12];
      }),
    );
  });
});

describe('isRegionCode', () => {
  it('accepts any level by default', () => {
    expect(isRegionCode('110105')).toBe(true);
    expect(isRegionCode('110105001')).toBe(true);
    expect(isRegionCode('110105001201')).toBe(true);
    expect(isRegionCode('1101050012')).toBe(false);
  });

  it('restricts to the given levels', () => {
    expect(isRegionCode('110105001201', ['village'])).toBe(true);
    expect(isRegionCode('110105001', ['township', 'village'])).toBe(true);
    expect(isRegionCode('110105', ['township', 'village'])).toBe(false);
    expect(isRegionCode('110105001201', [])).toBe(false);
  });
});

describe('townshipOf and countyOf', () => {
  it.each([
    ['110105001201', '110105001', '110105'],
    ['110105001', '110105001', '110105'],
    ['110105', undefined, '110105'],
    ['1101050012', undefined, undefined],
    ['990105001201', undefined, undefined],
  ])('%p -> township %p, county %p', (code, township, county) => {
    expect(townshipOf(code)).toBe(township);
    expect(countyOf(code)).toBe(county);
  });
});
