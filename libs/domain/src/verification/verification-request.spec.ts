import { crossesCounty, medianDays, regionCodesIn, verificationDueDate, verificationState } from './verification-request';

const DAYS = { withinCounty: 15, crossCounty: 30 };

describe('verification requests (协查)', () => {
  it('fall due 15 calendar days after the request, 30 when the matter crosses the county', () => {
    expect(verificationDueDate('2026-03-01', false, DAYS)).toBe('2026-03-16');
    expect(verificationDueDate('2026-03-01', true, DAYS)).toBe('2026-03-31');
    expect(verificationDueDate('2026-12-20', false, DAYS)).toBe('2027-01-04');
    expect(() => verificationDueDate('2026-03-01', false, { withinCounty: 0, crossCounty: 30 })).toThrow(RangeError);
  });

  it('are overdue from the day after the due date until answered', () => {
    expect(verificationState('2026-03-16', false, '2026-03-16')).toBe('open');
    expect(verificationState('2026-03-16', false, '2026-03-17')).toBe('overdue');
    expect(verificationState('2026-03-16', true, '2026-04-30')).toBe('answered');
  });

  it('cross the county when the record names a region outside it, at any depth', () => {
    const inside = { regionCode: '511325101002', person: { name: '周婷' }, partyA: { hukouRegionCode: '511325102202' } };
    expect(regionCodesIn(inside)).toEqual(['511325101002', '511325102202']);
    expect(crossesCounty(inside, '511325')).toBe(false);
    expect(crossesCounty({ ...inside, toRegionCode: '510304' }, '511325')).toBe(true);
    expect(crossesCounty({ regionCode: '511325101002', children: [{ hukouRegionCode: '511302001001' }] }, '511325')).toBe(true);
  });

  it('take the median answer time, halfway between the middle two when the count is even', () => {
    expect(medianDays([])).toBeNull();
    expect(medianDays([9, 1, 4])).toBe(4);
    expect(medianDays([1, 2, 4, 10])).toBe(3);
    expect(medianDays([0.25, 0.5])).toBe(0.4);
  });
});
