import { RecordValidator } from '@sanxian/contracts';
import { parseCitizenId } from '@sanxian/domain';
import { movedInWomen } from './reconcile-latency';

// The latency batches must be accepted whole and each raise one moved-in-not-registered: valid records of women of
// 15–49 on the day of the move, with ids unique across batches.
describe('the reconcile bench latency batches', () => {
  const template = {
    recordId: 'XC-HJ-2025-000010', eventDate: '2025-04-22', reportedAt: '2025-05-06T13:16:53+08:00', regionCode: '511325002001', changeType: 'move-in',
    person: { citizenId: '350203196507210021', name: '鲜玉琼', sex: 'F', birthDate: '1965-07-21' }, fromRegionCode: '350203', toRegionCode: '511325002001',
    householdId: '250000151', policeStation: { code: '511325520020', name: '西充县公安局晋城派出所' },
  };
  const villages = ['511325002001', '511325101002'];
  const batches = [1, 2, 3].map((batch) => movedInWomen(template, villages, '2025-12-31', 't1', batch, (batch - 1) * 5000, 5000).map((line) => JSON.parse(line)));

  it('are valid exchange records', () => {
    const validator = RecordValidator.create();
    const failures = batches.flat().map((r) => ({ id: r.recordId, errors: validator.check('hukou-change', r, { today: '2026-12-07' }).errors })).filter((c) => c.errors.length);
    expect(failures.slice(0, 3)).toEqual([]);
  });

  it('name women of 15–49 on the day of the move, each id once', () => {
    const records = batches.flat();
    expect(new Set(records.map((r) => r.person.citizenId)).size).toBe(records.length);
    expect(new Set(records.map((r) => r.recordId)).size).toBe(records.length);
    for (const r of records) {
      const parsed = parseCitizenId(r.person.citizenId, { today: '2025-12-31' });
      expect(parsed.ok && parsed.value.sex).toBe('F');
      const age = Number(r.eventDate.slice(0, 4)) - Number(r.person.birthDate.slice(0, 4));
      expect(age).toBeGreaterThanOrEqual(16);
      expect(age).toBeLessThanOrEqual(48);
    }
  });
});
