import { parseCitizenId, upgradeFifteenDigitId } from '@sanxian/domain';
import { dayOf } from './calendar.util';
import { CitizenIdAllocator, fifteenDigitForm, withWrongCheckDigit } from './citizen-id.allocator';
import { RandomSource } from './random-source';

describe('CitizenIdAllocator', () => {
  it('issues valid, unique ids whose sequence parity is the sex', () => {
    const ids = new CitizenIdAllocator('511325');
    const seen = new Set<string>();
    const birth = dayOf(1988, 7, 1);
    for (let i = 0; i < 200; i++) {
      for (const [prefix, sex] of [['511325', 'F'], ['511325', 'M'], ['511622', 'F']] as const) {
        const id = ids.allocate(prefix, birth, sex);
        const parsed = parseCitizenId(id, { today: '2025-12-31' });
        expect(parsed.ok && parsed.value.sex === sex && parsed.value.birthDate === '1988-07-01' && parsed.value.regionCode === prefix).toBe(true);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    }
  });

  it('mistypes an id into a valid id of the same person data that is never issued', () => {
    const ids = new CitizenIdAllocator('511325');
    const birth = dayOf(1995, 1, 2);
    const issued = new Set(Array.from({ length: 249 }, () => ids.allocate('511325', birth, 'F')));
    const own = [...issued][0];
    const typo = ids.mistype(own, birth, 'F');
    const parsed = parseCitizenId(typo, { today: '2025-12-31' });
    expect(parsed.ok && parsed.value.sex === 'F' && parsed.value.birthDate === '1995-01-02').toBe(true);
    expect(issued.has(typo)).toBe(false);
    expect(() => ids.allocate('511325', birth, 'F')).toThrow(/too large/);
  });

  it('gives the 15-digit form that upgrades back, and wrong check digits that fail', () => {
    const ids = new CitizenIdAllocator('511325');
    const id = ids.allocate('511325', dayOf(1965, 4, 12), 'M');
    expect(fifteenDigitForm(id)).toHaveLength(15);
    expect(upgradeFifteenDigitId(fifteenDigitForm(id))).toBe(id);
    const rng = RandomSource.derive('spec');
    for (let i = 0; i < 20; i++) {
      const wrong = withWrongCheckDigit(rng, id);
      const parsed = parseCitizenId(wrong, { today: '2025-12-31' });
      expect(!parsed.ok && parsed.fault.code === 'citizen-id-checksum').toBe(true);
    }
  });
});
