import { createHmac } from 'node:crypto';
import { StoredIdCounts } from './stored-id-counts';

const hash = (value: string) => createHmac('sha256', 'k').update(value).digest('base64url');
/** The 6 bytes PostgreSQL sends for a row: its hash's first 8 base64url characters, decoded. */
const prefixOf = (h: string) => Buffer.from(h.slice(0, 8), 'base64url');

describe('StoredIdCounts', () => {
  it('counts the rows holding each hash, whatever order they came in, and none for a hash no row holds', () => {
    const rows = ['A', 'B', 'B', 'C', 'B'].map(hash);
    const counts = StoredIdCounts.fromPrefixes(Buffer.concat(rows.map(prefixOf)));
    expect(counts.rows).toBe(5);
    expect([hash('A'), hash('B'), hash('C'), hash('D')].map((h) => counts.count(h))).toEqual([1, 3, 1, 0]);
  });

  it('counts two hashes sharing their first 48 bits together: too many, never too few', () => {
    const a = hash('A');
    const twin = `${a.slice(0, 8)}${'x'.repeat(a.length - 8)}`;
    const counts = StoredIdCounts.fromPrefixes(Buffer.concat([prefixOf(a), prefixOf(twin)]));
    expect(counts.count(a)).toBe(2);
  });

  it('tells prefixes apart at the extremes (all zero bits, all one bits)', () => {
    const low = 'AAAAAAAA' + 'A'.repeat(35);
    const high = '________' + 'A'.repeat(35);
    const counts = StoredIdCounts.fromPrefixes(Buffer.concat([prefixOf(high), prefixOf(low), prefixOf(high)]));
    expect([counts.count(low), counts.count(high), counts.count(hash('A'))]).toEqual([1, 2, 0]);
  });
});
