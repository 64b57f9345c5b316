import { dueDate, isWorkingDay } from './due-date';

describe('dueDate', () => {
  it.each([
    // 2025-12-31 is a Wednesday.
    ['2025-12-31', 1, '2026-01-01'],
    ['2025-12-31', 2, '2026-01-02'],
    ['2025-12-31', 3, '2026-01-05'],
    ['2025-12-31', 15, '2026-01-21'],
    // Raised on a Saturday: Monday is the first working day after it.
    ['2025-06-07', 1, '2025-06-09'],
    ['2025-06-06', 0, '2025-06-06'],
  ])('raised %s, %i working days: due %s', (raised, days, due) => {
    expect(dueDate(raised, days)).toBe(due);
  });

  it('skips holidays and counts weekend days worked in their place', () => {
    const calendar = { holidays: ['2026-01-01', '2026-01-02'], workingWeekendDays: ['2026-01-04'] };
    expect(isWorkingDay('2026-01-01', calendar)).toBe(false);
    expect(isWorkingDay('2026-01-04', calendar)).toBe(true);
    // Thu 1, Fri 2 off; Sun 4 worked; Mon 5.
    expect(dueDate('2025-12-31', 2, calendar)).toBe('2026-01-05');
  });

  it('rejects a negative or fractional number of days', () => {
    expect(() => dueDate('2025-12-31', -1)).toThrow(RangeError);
    expect(() => dueDate('2025-12-31', 1.5)).toThrow(RangeError);
  });
});
