import fc from 'fast-check';
import {
  checkCharacter,
  isValidCitizenId,
  normaliseCitizenId,
  parseCitizenId,
  repairCandidates,
  upgradeFifteenDigitId,
  type CitizenIdFaultCode,
} from './citizen-id';

// Pinned so that the "after today" rule does not drift with the clock.
const TODAY = '2026-01-01';
const PROVINCES = [
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82',
];

const digits = (length: number) =>
  fc.integer({ min: 0, max: 10 ** length - 1 }).map((n) => String(n).padStart(length, '0'));

const isoDate = (min: string, max: string) =>
  fc
    .date({ min: new Date(`${min}T00:00:00Z`), max: new Date(`${max}T00:00:00Z`), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10));

const validId = fc
  .tuple(fc.constantFrom(...PROVINCES), digits(4), isoDate('1900-01-01', '2025-12-31'), digits(3))
  .map(([province, rest, date, sequence]) => {
    const first17 = province + rest + date.replaceAll('-', '') + sequence;
    return first17 + checkCharacter(first17);
  });

const fifteenDigitId = fc
  .tuple(fc.constantFrom(...PROVINCES), digits(4), isoDate('1900-01-01', '1999-12-31'), digits(3))
  .map(([province, rest, date, sequence]) => province + rest + date.slice(2).replaceAll('-', '') + sequence);

/** A valid id with one of its first 17 digits replaced by a different digit. */
const validIdWithTypo = fc
  .tuple(validId, fc.integer({ min: 0, max: 16 }), fc.integer({ min: 1, max: 9 }))
  .map(([id, position, shift]) => {
    const typo = String((Number(id[position]) + shift) % 10);
    return { id, typo: id.slice(0, position) + typo + id.slice(position + 1) };
  });

function faultOf(input: string): CitizenIdFaultCode | undefined {
  const result = parseCitizenId(input, { today: TODAY });
  return result.ok ? undefined : result.fault.code;
}

describe('checkCharacter', () => {
  it.each([
    ['11010519491231002', 'X'],
    ['44052418800101001', '4'],
    ['11010219800101123', '9'],
    ['32010619900315456', '6'],
  ])('%s -> %s', (first17, expected) => {
    expect(checkCharacter(first17)).toBe(expected);
  });

  it.each(['1101051949123100', '110105194912310021', '1101051949123100X', ''])('throws on %p', (input) => {
    expect(() => checkCharacter(input)).toThrow(RangeError);
  });
});

describe('normaliseCitizenId', () => {
  it('removes spaces, narrows full-width characters and upper-cases x', () => {
    expect(normaliseCitizenId(' 110105 1949\u30001231 002x ')).toBe('11010519491231002X');
    expect(normaliseCitizenId('１１０１０５１９４９１２３１００２Ｘ')).toBe('11010519491231002X');
    expect(normaliseCitizenId('11010519491231002ｘ')).toBe('11010519491231002X');
  });
});

describe('parseCitizenId', () => {
  it('parses a valid female id', () => {
    expect(parseCitizenId('11010519491231002X', { today: TODAY })).toEqual({
      ok: true,
      value: {
        id: '11010519491231002X',
        regionCode: '110105',
        birthDate: '1949-12-31',
        sequence: '002',
        sex: 'F',
        checkCharacter: 'X',
      },
    });
  });

  it.each([
    ['11010519491231002X', 'F', '1949-12-31'],
    ['110102198001011239', 'M', '1980-01-01'],
    ['320106199003154566', 'F', '1990-03-15'],
    ['110105200002290021', 'F', '2000-02-29'],
    ['11010519491231002x', 'F', '1949-12-31'],
    [' 1101 0519 4912 3100 2X ', 'F', '1949-12-31'],
  ])('accepts %p', (input, sex, birthDate) => {
    const result = parseCitizenId(input, { today: TODAY });
    expect(result.ok && result.value).toMatchObject({ sex, birthDate });
  });

  it('upgrades a 15-digit id and remembers the original', () => {
    const result = parseCitizenId('110105491231002', { today: TODAY });
    expect(result.ok && result.value).toEqual({
      id: '11010519491231002X',
      regionCode: '110105',
      birthDate: '1949-12-31',
      sequence: '002',
      sex: 'F',
      checkCharacter: 'X',
      upgradedFrom: '110105491231002',
    });
  });

  it.each<[string, CitizenIdFaultCode, string]>([
    ['', 'citizen-id-length', 'citizen id must have 18 characters, has 0'],
    ['11010519491231002', 'citizen-id-length', 'citizen id must have 18 characters, has 17'],
    ['11010519491231002X1', 'citizen-id-length', 'citizen id must have 18 characters, has 19'],
    ['1101051949123100XX', 'citizen-id-format', expect.any(String)],
    ['11010519491231O02X', 'citizen-id-format', expect.any(String)],
    ['11010549123100X', 'citizen-id-format', expect.any(String)],
    ['990105199001010014', 'citizen-id-region', expect.any(String)],
    ['000105199001010015', 'citizen-id-region', expect.any(String)],
    ['110105194902300012', 'citizen-id-birth-date', expect.any(String)], // 30 February, correct checksum
    ['110105190002290025', 'citizen-id-birth-date', expect.any(String)], // 1900 was not a leap year
    ['110105189912310015', 'citizen-id-birth-date', expect.any(String)],
    ['110105209901010012', 'citizen-id-birth-date', 'citizen id birth date 2099-01-01 is after 2026-01-01'],
    ['110105491331002', 'citizen-id-birth-date', expect.any(String)],
    ['110105194912310021', 'citizen-id-checksum', 'check digit should be X'],
    ['320106199003154567', 'citizen-id-checksum', 'check digit should be 6'],
  ])('rejects %p with %s', (input, code, message) => {
    expect(parseCitizenId(input, { today: TODAY })).toEqual({ ok: false, fault: { code, message } });
  });

  // The standard's own example has a correct check character but a birth date
  // before the hub's 1900-01-01 floor, so the date rule wins.
  it('rejects 440524188001010014 (born 1880) on its date, not its checksum', () => {
    expect(checkCharacter('44052418800101001')).toBe('4');
    expect(faultOf('440524188001010014')).toBe('citizen-id-birth-date');
  });

  it('accepts a birth date equal to today but not the day after', () => {
    const withDate = (yyyymmdd: string) => `110105${yyyymmdd}001` + checkCharacter(`110105${yyyymmdd}001`);
    expect(faultOf(withDate('20260101'))).toBeUndefined();
    expect(faultOf(withDate('20260102'))).toBe('citizen-id-birth-date');
  });

  it('accepts every well-formed id', () => {
    fc.assert(fc.property(validId, (id) => parseCitizenId(id, { today: TODAY }).ok));
  });

  it('catches every single-digit change in the first 17 positions', () => {
    fc.assert(fc.property(validIdWithTypo, ({ typo }) => faultOf(typo) !== undefined));
  });
});

describe('isValidCitizenId', () => {
  it('agrees with the known answers', () => {
    expect(isValidCitizenId('11010519491231002X')).toBe(true);
    expect(isValidCitizenId('320106199003154566')).toBe(true);
    expect(isValidCitizenId('110105194912310021')).toBe(false);
    expect(isValidCitizenId('not an id')).toBe(false);
  });
});

describe('upgradeFifteenDigitId', () => {
  it('inserts the century and appends the check character', () => {
    expect(upgradeFifteenDigitId('110105491231002')).toBe('11010519491231002X');
  });

  it.each(['11010549123100', '11010549123100X', '110105491331002', '990105491231002'])('throws on %p', (input) => {
    expect(() => upgradeFifteenDigitId(input)).toThrow(RangeError);
  });

  it('round-trips: the upgraded id is valid and narrows back to the original', () => {
    fc.assert(
      fc.property(fifteenDigitId, (id15) => {
        const id18 = upgradeFifteenDigitId(id15);
        const parsed = parseCitizenId(id15, { today: TODAY });
        return (
          isValidCitizenId(id18) &&
          id18.slice(0, 6) + id18.slice(8, 17) === id15 &&
          parsed.ok &&
          parsed.value.id === id18 &&
          parsed.value.upgradedFrom === id15
        );
      }),
    );
  });
});

describe('repairCandidates', () => {
  it('returns nothing for a valid id or the wrong length', () => {
    expect(repairCandidates('11010519491231002X')).toEqual([]);
    expect(repairCandidates('1101051949123100')).toEqual([]);
  });

  it('finds the original of a one-digit typo, narrowed by hints', () => {
    // 110102198001011239 with its region digit 2 typed as 3.
    const candidates = repairCandidates('110103198001011239', { birthDate: '1980-01-01', sex: 'M' });
    expect(candidates).toContain('110102198001011239');
    expect(candidates).toEqual([...new Set(candidates)].sort());
  });

  it('finds the original of an adjacent swap', () => {
    expect(repairCandidates('110102198001012139', { birthDate: '1980-01-01', sex: 'M' })).toContain(
      '110102198001011239',
    );
  });

  it('repairs a typo that broke the date, not only the checksum', () => {
    // Month 01 typed as 31.
    expect(repairCandidates('110102198031011239', { birthDate: '1980-01-01' })).toContain('110102198001011239');
  });

  it('offers only valid ids agreeing with the hints', () => {
    fc.assert(
      fc.property(validIdWithTypo, ({ id, typo }) => {
        const original = parseCitizenId(id, { today: TODAY });
        if (!original.ok) return false;
        const hints = { birthDate: original.value.birthDate, sex: original.value.sex };
        const candidates = repairCandidates(typo, hints);
        return (
          candidates.includes(id) &&
          candidates.every((candidate) => {
            const parsed = parseCitizenId(candidate);
            return parsed.ok && parsed.value.birthDate === hints.birthDate && parsed.value.sex === hints.sex;
          })
        );
      }),
    );
  });
});
