/**
 * Fellegi–Sunter scoring: for each field, m = P(level | the pair is the same person) and
 * u = P(level | it is not); a pair's weight for the field is log2(m/u) of the level observed,
 * its score the sum over fields (conditional independence). Missing values weigh 0.
 */
import { FIELD_LEVELS, LINKAGE_FIELDS, type ComparisonVector, type LinkageField, type ObservedLevel } from './comparison';

export type LevelProbabilities = { [F in LinkageField]: Record<ObservedLevel<F>, number> };

export interface FellegiSunterParameters {
  m: LevelProbabilities;
  u: LevelProbabilities;
  /** Prior share of matches among the compared pairs (λ). */
  matchProportion: number;
}

export interface LinkageThresholds {
  /** At or above: the link is made. */
  upper: number;
  /** At or above, below upper: the candidate goes to the link review queue. Below: unlinked. */
  lower: number;
}

export type LinkDecision = 'link' | 'review' | 'non-link';

export interface FieldWeight<F extends LinkageField = LinkageField> {
  level: ComparisonVector[F];
  weight: number;
}

export type FieldWeights = { [F in LinkageField]: FieldWeight<F> };

/**
 * Configured defaults, for a county registry scored against agency records after blocking. The
 * m values follow the synthetic county's fault rates (name typos 2%, birth-date typos 0.5%,
 * ids one slip off ~1–2%); the u values are for two different people of one county.
 */
export const DEFAULT_PARAMETERS: FellegiSunterParameters = {
  m: {
    citizenId: { equal: 0.97, repair: 0.02, different: 0.01 },
    name: { exact: 0.9, normalised: 0.04, homophone: 0.03, initials: 0.01, different: 0.02 },
    birthDate: { exact: 0.97, typo: 0.015, near: 0.01, different: 0.005 },
    sex: { agree: 0.99, disagree: 0.01 },
    region: { village: 0.85, township: 0.08, county: 0.05, different: 0.02 },
    relative: { agree: 0.92, disagree: 0.08 },
  },
  u: {
    citizenId: { equal: 0.000001, repair: 0.0001, different: 0.999899 },
    name: { exact: 0.001, normalised: 0.0002, homophone: 0.002, initials: 0.01, different: 0.9868 },
    birthDate: { exact: 0.00005, typo: 0.0005, near: 0.03, different: 0.96945 },
    sex: { agree: 0.5, disagree: 0.5 },
    region: { village: 0.01, township: 0.08, county: 0.6, different: 0.31 },
    relative: { agree: 0.005, disagree: 0.995 },
  },
  matchProportion: 0.01,
};

/** Scores in bits (log2 of the likelihood ratio). A match without id: name, birth date, sex and village ≈ 31. */
export const DEFAULT_THRESHOLDS: LinkageThresholds = { upper: 21, lower: 10 };

export function fieldWeight<F extends LinkageField>(
  params: FellegiSunterParameters,
  field: F,
  level: ComparisonVector[F],
): number {
  if (level === 'missing') return 0;
  let table = weightTables.get(params);
  if (table === undefined) {
    table = {} as Record<LinkageField, Record<string, number>>;
    for (const f of LINKAGE_FIELDS) {
      table[f] = {};
      for (const l of FIELD_LEVELS[f]) {
        const m = (params.m[f] as Record<string, number>)[l];
        const u = (params.u[f] as Record<string, number>)[l];
        table[f][l] = Math.log2(m / u);
      }
    }
    weightTables.set(params, table);
  }
  return table[field][level];
}

// log2(m/u) of every level, computed once per parameter set. Parameters are treated as
// immutable once scoring starts: estimateParameters returns a new object.
const weightTables = new WeakMap<FellegiSunterParameters, Record<LinkageField, Record<string, number>>>();

export function scoreVector(
  vector: ComparisonVector,
  params: FellegiSunterParameters,
): { score: number; weights: FieldWeights } {
  const weights = {} as Record<LinkageField, FieldWeight>;
  let score = 0;
  for (const field of LINKAGE_FIELDS) {
    const level = vector[field];
    const weight = fieldWeight(params, field, level);
    weights[field] = { level, weight };
    score += weight;
  }
  return { score, weights: weights as FieldWeights };
}

export function classify(score: number, thresholds: LinkageThresholds): LinkDecision {
  if (thresholds.lower > thresholds.upper) {
    throw new RangeError(`lower threshold ${thresholds.lower} is above upper ${thresholds.upper}`);
  }
  if (score >= thresholds.upper) return 'link';
  return score >= thresholds.lower ? 'review' : 'non-link';
}

export interface EstimationOptions {
  maxIterations?: number;
  /** Stop when no m, u or λ moves by more than this. */
  tolerance?: number;
  /** Added to every level's count in each class, so that no probability becomes 0 or 1. */
  pseudoCount?: number;
}

export interface EstimatedParameters extends FellegiSunterParameters {
  iterations: number;
  converged: boolean;
}

/**
 * EM for the two-class mixture (matches, non-matches) with fields conditionally independent
 * given the class. `initial` fixes which class is which: start m above u on agreement levels.
 * Missing values drop out of both the likelihood and the counts of their field.
 */
export function estimateParameters(
  vectors: readonly ComparisonVector[],
  initial: FellegiSunterParameters,
  options: EstimationOptions = {},
): EstimatedParameters {
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const pseudo = options.pseudoCount ?? 0.5;
  if (vectors.length === 0) return { ...cloneParameters(initial), iterations: 0, converged: true };

  // Identical vectors are counted once (a county's pairs fall into a few hundred patterns), and
  // the patterns and probabilities are kept flat, in typed arrays: one slot per (field, level).
  const offsets: number[] = [];
  let slots = 0;
  for (const field of LINKAGE_FIELDS) {
    offsets.push(slots);
    slots += FIELD_LEVELS[field].length;
  }
  const counts = new Map<string, number>();
  for (const vector of vectors) {
    const key = LINKAGE_FIELDS.map((field, f) => {
      const level = levelIndex(field, vector[field]);
      return level < 0 ? -1 : offsets[f] + level;
    }).join(',');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const fields = LINKAGE_FIELDS.length;
  const rows = counts.size;
  const patternSlots = new Int32Array(rows * fields);
  const patternCounts = new Float64Array(rows);
  let row = 0;
  for (const [key, count] of counts) {
    key.split(',').forEach((slot, f) => (patternSlots[row * fields + f] = Number(slot)));
    patternCounts[row++] = count;
  }

  const m = new Float64Array(slots);
  const u = new Float64Array(slots);
  LINKAGE_FIELDS.forEach((field, f) =>
    FIELD_LEVELS[field].forEach((level, l) => {
      m[offsets[f] + l] = (initial.m[field] as Record<string, number>)[level];
      u[offsets[f] + l] = (initial.u[field] as Record<string, number>)[level];
    }),
  );
  let lambda = clamp(initial.matchProportion);
  const logM = new Float64Array(slots);
  const logU = new Float64Array(slots);
  const mCounts = new Float64Array(slots);
  const uCounts = new Float64Array(slots);

  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    for (let s = 0; s < slots; s++) {
      logM[s] = Math.log(m[s]);
      logU[s] = Math.log(u[s]);
    }
    mCounts.fill(pseudo);
    uCounts.fill(pseudo);
    let matches = 0;
    for (let r = 0; r < rows; r++) {
      // In logs: products of many small probabilities underflow.
      let logMatch = Math.log(lambda);
      let logNonMatch = Math.log(1 - lambda);
      for (let f = 0; f < fields; f++) {
        const s = patternSlots[r * fields + f];
        if (s < 0) continue;
        logMatch += logM[s];
        logNonMatch += logU[s];
      }
      const count = patternCounts[r];
      const g = 1 / (1 + Math.exp(logNonMatch - logMatch));
      matches += g * count;
      for (let f = 0; f < fields; f++) {
        const s = patternSlots[r * fields + f];
        if (s < 0) continue;
        mCounts[s] += g * count;
        uCounts[s] += (1 - g) * count;
      }
    }
    let change = 0;
    LINKAGE_FIELDS.forEach((field, f) => {
      const from = offsets[f];
      const to = from + FIELD_LEVELS[field].length;
      let mTotal = 0;
      let uTotal = 0;
      for (let s = from; s < to; s++) {
        mTotal += mCounts[s];
        uTotal += uCounts[s];
      }
      for (let s = from; s < to; s++) {
        const nextM = mCounts[s] / mTotal;
        const nextU = uCounts[s] / uTotal;
        change = Math.max(change, Math.abs(nextM - m[s]), Math.abs(nextU - u[s]));
        m[s] = nextM;
        u[s] = nextU;
      }
    });
    const nextLambda = clamp((matches + pseudo) / (vectors.length + 2 * pseudo));
    change = Math.max(change, Math.abs(nextLambda - lambda));
    lambda = nextLambda;
    converged = change < tolerance;
  }

  return { m: toProbabilities(m, offsets), u: toProbabilities(u, offsets), matchProportion: lambda, iterations, converged };
}

function levelIndex(field: LinkageField, level: string): number {
  if (level === 'missing') return -1;
  const index = (FIELD_LEVELS[field] as readonly string[]).indexOf(level);
  if (index < 0) throw new RangeError(`unknown level "${level}" of field ${field}`);
  return index;
}

function toProbabilities(table: Float64Array, offsets: readonly number[]): LevelProbabilities {
  const result = {} as Record<LinkageField, Record<string, number>>;
  LINKAGE_FIELDS.forEach((field, f) => {
    result[field] = Object.fromEntries(FIELD_LEVELS[field].map((level, l) => [level, table[offsets[f] + l]]));
  });
  return result as LevelProbabilities;
}

function cloneParameters(params: FellegiSunterParameters): FellegiSunterParameters {
  return structuredClone(params);
}

function clamp(p: number): number {
  return Math.min(1 - 1e-9, Math.max(1e-9, p));
}
