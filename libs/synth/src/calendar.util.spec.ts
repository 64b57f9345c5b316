import { addYears, ageOn, civilOf, cstTimestamp, dayOf, isoDate, parseIsoDate } from './calendar.util';

describe('calendar', () => {
  it('converts days and civil dates both ways over two centuries', () => {
    for (let day = dayOf(1900, 1, 1); day <= dayOf(2100, 12, 31); day += 17) {
      const { year, month, day: d } = civilOf(day);
      expect(dayOf(year, month, d)).toBe(day);
      expect(isoDate(day)).toBe(new Date(day * 86_400_000).toISOString().slice(0, 10));
    }
  });

  it('parses only real dates', () => {
    expect(parseIsoDate('2024-02-29')).toBe(dayOf(2024, 2, 29));
    expect(parseIsoDate('2025-02-29')).toBeUndefined();
    expect(parseIsoDate('2025/02/28')).toBeUndefined();
  });

  it('counts completed years of age, birthdays included', () => {
    const birth = dayOf(1990, 6, 15);
    expect(ageOn(birth, dayOf(2025, 6, 14))).toBe(34);
    expect(ageOn(birth, dayOf(2025, 6, 15))).toBe(35);
    expect(addYears(dayOf(2024, 2, 29), 1)).toBe(dayOf(2025, 2, 28));
  });

  it('writes China Standard Time timestamps', () => {
    expect(cstTimestamp(dayOf(2025, 3, 5), 9 * 3600 + 30 * 60 + 7)).toBe('2025-03-05T09:30:07+08:00');
  });
});
