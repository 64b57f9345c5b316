import fc from 'fast-check';
import { sha256Hex } from '../sha256';
import {
  DrawInputs, checkDrawAllowed, drawDay, drawSeed, frameHash, framePartOfDraw, publicValueOfHeads, sameDraw, seedCommitment, seedMatchesCommitment,
} from './lottery';
import type { SamplingFrame } from './survey-types';

const TOWNSHIP = '511325104';

/** A frame of `villages` villages in one township, each with `groups` groups of `households` households. */
function frameOf(villages: number, groups: number, households: number, township = TOWNSHIP): SamplingFrame {
  return {
    countyCode: '511325',
    asOf: '2026-12-01',
    villages: Array.from({ length: villages }, (_, v) => ({
      villageCode: `${township}${String(v + 1).padStart(3, '0')}`,
      townshipCode: township,
      groups: Array.from({ length: groups }, (_, g) => ({
        groupCode: String(g + 1).padStart(2, '0'),
        households: Array.from({ length: households }, (_, h) => ({
          householdKey: `H${v}-${g}-${String(h).padStart(3, '0')}`,
          persons: [{ personKey: `C${v}-${g}-${h}:woman`, cardId: `C${v}-${g}-${h}`, role: 'woman' as const, name: '张三', citizenId: null, sex: 'F' as const, birthDate: '1990-01-01', maritalStatus: 'married' }],
        })),
      })),
    })),
  };
}

const BIG_FRAME = frameOf(200, 3, 4);

function inputs(overrides: Partial<DrawInputs> = {}): DrawInputs {
  return {
    seed: sha256Hex('the campaign seed'),
    campaignId: '0b7d8a8e-9f1a-4c2e-8f0e-0f5f8e2a1c11',
    day: '2026-12-08',
    teamId: 'A',
    publicValue: sha256Hex('log heads'),
    townshipCodes: [TOWNSHIP],
    design: { villagesPerTownship: 20, groupsPerVillage: 2, householdsPerGroup: 2 },
    frame: BIG_FRAME,
    ...overrides,
  };
}

const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const day = fc.date({ min: new Date('2020-01-01'), max: new Date('2030-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

describe('the sealed lottery', () => {
  it('commits to the seed by its SHA-256, which the revealed seed matches and another does not', () => {
    fc.assert(
      fc.property(hex, hex, (seed, other) => {
        const commitment = seedCommitment(seed);
        expect(commitment).toBe(sha256Hex(seed));
        expect(seedMatchesCommitment(seed, commitment)).toBe(true);
        expect(seedMatchesCommitment(seed, commitment.toUpperCase())).toBe(true);
        if (other !== seed) expect(seedMatchesCommitment(other, commitment)).toBe(false);
      }),
    );
  });

  it('gives the same draw for the same inputs', () => {
    fc.assert(
      fc.property(hex, day, hex, (seed, d, publicValue) => {
        const a = drawDay(inputs({ seed, day: d, publicValue }));
        const b = drawDay(inputs({ seed, day: d, publicValue, frame: structuredClone(BIG_FRAME) }));
        expect(b).toEqual(a);
        expect(a.villages).toHaveLength(20);
        expect(a.villages.every((v) => v.groups.length === 2 && v.groups.every((g) => g.householdKeys.length === 2))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('a changed seed, day, public value, team or campaign changes the draw', () => {
    // 20 of 200 villages: two different seeds pick the same set with probability 1/C(200,20) ≈ 6e-28.
    fc.assert(
      fc.property(hex, hex, day, day, hex, hex, (seed, seed2, d, d2, pv, pv2) => {
        const base = drawDay(inputs({ seed, day: d, publicValue: pv }));
        if (seed2 !== seed) expect(sameDraw(drawDay(inputs({ seed: seed2, day: d, publicValue: pv })), base)).toBe(false);
        if (d2 !== d) expect(sameDraw(drawDay(inputs({ seed, day: d2, publicValue: pv })), base)).toBe(false);
        if (pv2 !== pv) expect(sameDraw(drawDay(inputs({ seed, day: d, publicValue: pv2 })), base)).toBe(false);
        expect(sameDraw(drawDay(inputs({ seed, day: d, publicValue: pv, teamId: 'B' })), base)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('documents its sampler seed, and refuses an input that would make it ambiguous', () => {
    const i = inputs();
    expect(drawDay(i).drawSeed).toBe(`sanxian-lottery/v1,${i.seed},${i.campaignId},${i.day},A,${i.publicValue}`);
    expect(() => drawSeed({ ...i, teamId: 'A,B' })).toThrow(/comma/);
    expect(() => drawSeed({ ...i, publicValue: '' })).toThrow(/empty/);
  });

  it('draws only in the day\'s townships, all groups and households when the design says all, and as many as exist when it asks more', () => {
    const other = frameOf(3, 2, 3, '511325105');
    const frame = { ...BIG_FRAME, villages: [...frameOf(5, 2, 3).villages, ...other.villages] };
    const draw = drawDay(inputs({ frame, townshipCodes: ['511325105'], design: { villagesPerTownship: 10, groupsPerVillage: 'all', householdsPerGroup: 'all' } }));
    expect(draw.villages.map((v) => v.villageCode)).toEqual(['511325105001', '511325105002', '511325105003']);
    expect(draw.villages[0].groups.map((g) => g.groupCode)).toEqual(['01', '02']);
    expect(draw.villages[0].groups[0].householdKeys).toEqual(['H0-0-000', 'H0-0-001', 'H0-0-002']);
    // The survey page's part of the frame holds exactly the drawn households.
    const part = framePartOfDraw(frame, draw);
    expect(part.map((v) => v.groups.map((g) => g.households.length))).toEqual([[3, 3], [3, 3], [3, 3]]);
  });

  /**
   * Over many seeds, each eligible point must be drawn with the design's frequency. For k of m
   * drawn without replacement in each of N independent draws, the inclusion counts O_i have
   * mean E = N·k/m and covariance N·p(1−p)·m/(m−1)·(I − J/m), p = k/m; so
   * T = Σ (O_i − E)² / (N·p(1−p)·m/(m−1)) follows χ² with m − 1 degrees of freedom. The seeds
   * are fixed (SHA-256 of 0…N−1), so the test is deterministic; it passes at significance 0.001.
   */
  function chiSquare(counts: number[], draws: number, k: number): number {
    const m = counts.length;
    const p = k / m;
    const expected = draws * p;
    const scale = draws * p * (1 - p) * (m / (m - 1));
    return counts.reduce((sum, o) => sum + (o - expected) ** 2 / scale, 0);
  }
  /** χ² critical values at significance 0.001 (NIST/SEMATECH e-Handbook, table 1.3.6.7.4). */
  const CHI2_CRITICAL_0_001: Record<number, number> = { 9: 27.877, 4: 18.467 };
  const DRAWS = 3000;

  it('draws each village of a township with the design\'s frequency (χ², α = 0.001)', () => {
    const frame = frameOf(10, 1, 1);
    const counts = new Map(frame.villages.map((v) => [v.villageCode, 0]));
    for (let i = 0; i < DRAWS; i++) {
      const draw = drawDay(inputs({ frame, seed: sha256Hex(String(i)), design: { villagesPerTownship: 3, groupsPerVillage: 'all', householdsPerGroup: 'all' } }));
      for (const v of draw.villages) counts.set(v.villageCode, counts.get(v.villageCode)! + 1);
    }
    const observed = [...counts.values()];
    expect(observed.reduce((a, b) => a + b, 0)).toBe(DRAWS * 3);
    expect(chiSquare(observed, DRAWS, 3)).toBeLessThan(CHI2_CRITICAL_0_001[9]);
  });

  it('draws each household of a group with the design\'s frequency (χ², α = 0.001)', () => {
    const frame = frameOf(1, 1, 5);
    const counts = new Map(frame.villages[0].groups[0].households.map((h) => [h.householdKey, 0]));
    for (let i = 0; i < DRAWS; i++) {
      const draw = drawDay(inputs({ frame, seed: sha256Hex(String(i)), design: { villagesPerTownship: 1, groupsPerVillage: 1, householdsPerGroup: 2 } }));
      for (const key of draw.villages[0].groups[0].householdKeys) counts.set(key, counts.get(key)! + 1);
    }
    expect(chiSquare([...counts.values()], DRAWS, 2)).toBeLessThan(CHI2_CRITICAL_0_001[4]);
  });

  it('the χ² check would catch a biased sampler', () => {
    // Always preferring the first villages: far above the critical value.
    expect(chiSquare([DRAWS, DRAWS, DRAWS, 0, 0, 0, 0, 0, 0, 0], DRAWS, 3)).toBeGreaterThan(CHI2_CRITICAL_0_001[9]);
  });

  describe('who may draw, and when', () => {
    const departureAt = '2026-12-08T08:00:00+08:00';
    const base = { userId: 'leader', leaderId: 'leader', departureAt, leadMinutes: 15, alreadyDrawn: false };

    it('lets the leader draw from 15 minutes before departure', () => {
      expect(checkDrawAllowed({ ...base, now: new Date('2026-12-07T23:45:00Z') })).toBeUndefined();
      expect(checkDrawAllowed({ ...base, now: new Date('2026-12-08T00:30:00Z') })).toBeUndefined();
    });

    it('refuses an early draw, saying when the draw opens', () => {
      expect(checkDrawAllowed({ ...base, now: new Date('2026-12-07T23:44:59Z') })).toEqual({ refused: 'too-early', opensAt: '2026-12-07T23:45:00.000Z' });
    });

    it("refuses anyone but the team's leader, and a second draw", () => {
      expect(checkDrawAllowed({ ...base, userId: 'member', now: new Date('2026-12-08T00:00:00Z') })).toEqual({ refused: 'not-leader' });
      expect(checkDrawAllowed({ ...base, alreadyDrawn: true, now: new Date('2026-12-08T00:00:00Z') })).toEqual({ refused: 'already-drawn' });
    });
  });

  it('hashes the frame as RFC 8785 canonical JSON, whatever the key order', () => {
    const frame = frameOf(2, 1, 1);
    const reordered = JSON.parse(JSON.stringify({ villages: frame.villages, asOf: frame.asOf, countyCode: frame.countyCode }));
    expect(frameHash(reordered)).toBe(frameHash(frame));
    expect(frameHash(frame)).toMatch(/^[0-9a-f]{64}$/);
    expect(frameHash({ ...frame, asOf: '2026-12-02' })).not.toBe(frameHash(frame));
  });

  it('the public value is the hash of the chain heads in client order', () => {
    const heads = [{ clientId: 'b', lastSeq: '2', headHash: 'x' }, { clientId: 'a', lastSeq: '1', headHash: 'y' }];
    expect(publicValueOfHeads(heads)).toBe(publicValueOfHeads([...heads].reverse()));
    expect(publicValueOfHeads(heads)).toBe(sha256Hex('[{"clientId":"a","headHash":"y","lastSeq":"1"},{"clientId":"b","headHash":"x","lastSeq":"2"}]'));
  });
});
