import { BadRequestException } from '@nestjs/common';
import { citizenIdsIn, decodeCursor, encodeCursor, limitParam, page, regionParam } from './staff-query';

describe('staff API query parameters', () => {
  it('round-trips a cursor and refuses one it did not make', () => {
    const cursor = encodeCursor(['2026-01-22', '00000000-0000-4000-8000-000000000001']);
    expect(decodeCursor(cursor, (v) => v.length === 2)).toEqual(['2026-01-22', '00000000-0000-4000-8000-000000000001']);
    expect(decodeCursor(undefined, () => true)).toBeUndefined();
    expect(() => decodeCursor('not-a-cursor', () => true)).toThrow(BadRequestException);
    expect(() => decodeCursor(encodeCursor(['x']), (v) => v.length === 2)).toThrow(/cursor/);
  });

  it('pages a limit + 1 fetch: the extra row only tells that another page follows', () => {
    const rows = [1, 2, 3];
    expect(page(rows, 2, (n) => n * 10, (n) => [String(n)])).toEqual({ items: [10, 20], nextCursor: encodeCursor(['2']) });
    expect(page(rows, 3, (n) => n, (n) => [String(n)])).toEqual({ items: [1, 2, 3], nextCursor: null });
  });

  it('checks limits and region codes', () => {
    expect(limitParam(undefined, 50, 500)).toBe(50);
    expect(limitParam('500', 50, 500)).toBe(500);
    expect(() => limitParam('501', 50, 500)).toThrow(/limit/);
    expect(() => limitParam('1.5', 50, 500)).toThrow(/limit/);
    expect(regionParam('regionCode', '511325101')).toBe('511325101');
    expect(() => regionParam('regionCode', '51132510')).toThrow(/regionCode/);
  });

  it('finds every citizen id a response shows, however deep', () => {
    const body = {
      subject: { citizenId: '11', name: 'x' },
      subjectKey: { motherCitizenId: '22' },
      evidence: { messages: [{ record: { partyA: { citizenId: '33' }, partyB: { citizenId: '11' } } }] },
      weights: { citizenId: { level: 'missing', weight: 0 } },
      none: { citizenId: null },
    };
    expect(citizenIdsIn(body)).toEqual(['11', '22', '33']);
  });
});
