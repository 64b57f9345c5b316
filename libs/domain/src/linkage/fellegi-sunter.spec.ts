import { seededRandom } from '../seeded-random';
import { FIELD_LEVELS, LINKAGE_FIELDS, type ComparisonVector, type LinkageField } from './comparison';
import {
  classify,
  DEFAULT_PARAMETERS,
  DEFAULT_THRESHOLDS,
  estimateParameters,
  fieldWeight,
  scoreVector,
  type FellegiSunterParameters,
  type LevelProbabilities,
} from './fellegi-sunter';

describe('weights', () => {
  const agreement: { [F in LinkageField]: ComparisonVector[F] } = {
    citizenId: 'equal',
    name: 'exact',
    birthDate: 'exact',
    sex: 'agree',
    region: 'village',
    relative: 'agree',
  };
  const disagreement: { [F in LinkageField]: ComparisonVector[F] } = {
    citizenId: 'different',
    name: 'different',
    birthDate: 'different',
    sex: 'disagree',
    region: 'different',
    relative: 'disagree',
  };

  it.each(LINKAGE_FIELDS)('%s: full agreement weighs > 0, disagreement < 0, missing 0', (field) => {
    expect(fieldWeight(DEFAULT_PARAMETERS, field, agreement[field])).toBeGreaterThan(0);
    expect(fieldWeight(DEFAULT_PARAMETERS, field, disagreement[field])).toBeLessThan(0);
    expect(fieldWeight(DEFAULT_PARAMETERS, field, 'missing')).toBe(0);
  });

  it.each(LINKAGE_FIELDS)('%s: default m and u are probability distributions', (field) => {
    for (const table of [DEFAULT_PARAMETERS.m, DEFAULT_PARAMETERS.u]) {
      const values = Object.values(table[field]) as number[];
      expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(Object.keys(table[field]).sort()).toEqual([...FIELD_LEVELS[field]].sort());
    }
  });

  it('weakens monotonically as names agree less', () => {
    const w = (FIELD_LEVELS.name as readonly ComparisonVector['name'][]).map((level) => fieldWeight(DEFAULT_PARAMETERS, 'name', level));
    for (let i = 1; i < w.length; i++) expect(w[i]).toBeLessThan(w[i - 1]);
  });

  it('sums the field weights into the score and reports each', () => {
    const { score, weights } = scoreVector({ ...agreement, relative: 'missing' }, DEFAULT_PARAMETERS);
    expect(weights.relative).toEqual({ level: 'missing', weight: 0 });
    expect(weights.name).toEqual({ level: 'exact', weight: Math.log2(0.9 / 0.001) });
    expect(score).toBeCloseTo(LINKAGE_FIELDS.reduce((sum, f) => sum + weights[f].weight, 0), 9);
    expect(classify(score, DEFAULT_THRESHOLDS)).toBe('link');
  });
});

describe('classify', () => {
  const thresholds = { upper: 20, lower: 8 };
  it.each([
    [25, 'link'],
    [20, 'link'],
    [19.9, 'review'],
    [8, 'review'],
    [7.9, 'non-link'],
    [-30, 'non-link'],
  ] as const)('%d → %s', (score, decision) => {
    expect(classify(score, thresholds)).toBe(decision);
  });
  it('rejects a lower threshold above the upper one', () => {
    expect(() => classify(1, { upper: 1, lower: 2 })).toThrow(RangeError);
  });
});

describe('estimateParameters (EM)', () => {
  const truth: FellegiSunterParameters = {
    m: {
      citizenId: { equal: 0.85, repair: 0.1, different: 0.05 },
      name: { exact: 0.8, normalised: 0.08, homophone: 0.06, initials: 0.03, different: 0.03 },
      birthDate: { exact: 0.9, typo: 0.05, near: 0.03, different: 0.02 },
      sex: { agree: 0.95, disagree: 0.05 },
      region: { village: 0.7, township: 0.15, county: 0.1, different: 0.05 },
      relative: { agree: 0.85, disagree: 0.15 },
    },
    u: {
      citizenId: { equal: 0.001, repair: 0.01, different: 0.989 },
      name: { exact: 0.02, normalised: 0.01, homophone: 0.03, initials: 0.06, different: 0.88 },
      birthDate: { exact: 0.01, typo: 0.04, near: 0.15, different: 0.8 },
      sex: { agree: 0.5, disagree: 0.5 },
      region: { village: 0.1, township: 0.25, county: 0.5, different: 0.15 },
      relative: { agree: 0.05, disagree: 0.95 },
    },
    matchProportion: 1000 / 21000,
  };
  // Share of pairs where the field is missing on one side: ids and relatives are often absent.
  const missingRate: Record<LinkageField, number> = { citizenId: 0.4, name: 0.01, birthDate: 0.02, sex: 0, region: 0.05, relative: 0.6 };

  function simulate(seed: number): ComparisonVector[] {
    const random = seededRandom(seed);
    const draw = (field: LinkageField, table: LevelProbabilities): string => {
      if (random() < missingRate[field]) return 'missing';
      let r = random();
      for (const level of FIELD_LEVELS[field]) {
        r -= (table[field] as Record<string, number>)[level];
        if (r < 0) return level;
      }
      return FIELD_LEVELS[field][FIELD_LEVELS[field].length - 1];
    };
    const vectors: ComparisonVector[] = [];
    for (let i = 0; i < 21_000; i++) {
      const table = i < 1000 ? truth.m : truth.u;
      vectors.push(Object.fromEntries(LINKAGE_FIELDS.map((field) => [field, draw(field, table)])) as unknown as ComparisonVector);
    }
    return vectors;
  }

  it.each([1, 2, 3])('recovers known m, u and λ within ±0.05 from 1,000 matches and 20,000 non-matches (seed %d)', (seed) => {
    const estimated = estimateParameters(simulate(seed), DEFAULT_PARAMETERS);
    expect(estimated.converged).toBe(true);
    expect(Math.abs(estimated.matchProportion - truth.matchProportion)).toBeLessThan(0.01);
    for (const field of LINKAGE_FIELDS) {
      for (const level of FIELD_LEVELS[field]) {
        const get = (t: LevelProbabilities) => (t[field] as Record<string, number>)[level];
        expect([field, level, Math.abs(get(estimated.m) - get(truth.m)) <= 0.05]).toEqual([field, level, true]);
        expect([field, level, Math.abs(get(estimated.u) - get(truth.u)) <= 0.05]).toEqual([field, level, true]);
      }
    }
  });

  it('keeps every probability strictly between 0 and 1 when a level is never observed', () => {
    const vectors: ComparisonVector[] = Array.from({ length: 500 }, (_, i) => ({
      citizenId: 'missing',
      name: i % 10 === 0 ? 'exact' : 'different',
      birthDate: i % 10 === 0 ? 'exact' : 'different',
      sex: 'agree',
      region: 'village',
      relative: 'missing',
    }));
    const estimated = estimateParameters(vectors, DEFAULT_PARAMETERS);
    for (const table of [estimated.m, estimated.u]) {
      for (const field of LINKAGE_FIELDS) {
        for (const p of Object.values(table[field]) as number[]) {
          expect(p).toBeGreaterThan(0);
          expect(p).toBeLessThan(1);
          expect(Number.isFinite(Math.log2(p))).toBe(true);
        }
      }
    }
    expect(estimated.matchProportion).toBeGreaterThan(0);
    expect(estimated.matchProportion).toBeLessThan(1);
  });

  it('returns the initial parameters for no data', () => {
    const estimated = estimateParameters([], DEFAULT_PARAMETERS);
    expect(estimated.m).toEqual(DEFAULT_PARAMETERS.m);
    expect(estimated.iterations).toBe(0);
  });
});
