/**
 * Links one person named by an agency record to the FP registry: by a valid citizen id when the
 * registry holds exactly that id for one person who does not contradict the record; otherwise
 * by Fellegi–Sunter scoring of the blocked candidates (the id, if any, being one field). Every
 * result carries the per-field levels and weights that made it, for staff to see why.
 */
import { compareFields, preparePerson, type LinkagePerson, type PreparedPerson } from './comparison';
import { candidatesFor, type LinkageIndex } from './blocking';
import {
  classify,
  DEFAULT_PARAMETERS,
  DEFAULT_THRESHOLDS,
  scoreVector,
  type FellegiSunterParameters,
  type FieldWeights,
  type LinkageThresholds,
  type LinkDecision,
} from './fellegi-sunter';

export type LinkMethod = 'citizen-id' | 'citizen-id-repair' | 'probabilistic';

export interface ScoredCandidate {
  personId: string;
  score: number;
  weights: FieldWeights;
}

export interface LinkResult {
  method: LinkMethod;
  /** 'non-link' is an `unlinked-record`. */
  decision: LinkDecision;
  /** The person linked ('link') or proposed ('review'). */
  personId?: string;
  /** The best candidate's score, in bits; absent when there was no candidate. */
  score?: number;
  /** The best candidate's levels and weights; empty when there was no candidate. */
  weights: Partial<FieldWeights>;
  /** The second-best candidate, when there was one. */
  runnerUp?: ScoredCandidate;
  /** How many registry persons were compared. */
  candidates: number;
}

export interface LinkOptions {
  /**
   * Two candidates both above the lower threshold and fewer than this many bits apart are
   * ambiguous (sisters, twins): the record goes to review rather than to the wrong one. 4 bits:
   * the best must be at least 16 times likelier than the runner-up.
   */
  ambiguityMargin?: number;
}

export const DEFAULT_AMBIGUITY_MARGIN = 4;

export function linkPerson(
  record: LinkagePerson | PreparedPerson,
  index: LinkageIndex,
  params: FellegiSunterParameters = DEFAULT_PARAMETERS,
  thresholds: LinkageThresholds = DEFAULT_THRESHOLDS,
  options: LinkOptions = {},
): LinkResult {
  const prepared = isPrepared(record) ? record : preparePerson(record);
  const margin = options.ambiguityMargin ?? DEFAULT_AMBIGUITY_MARGIN;

  const deterministic = linkByCitizenId(prepared, index, params);
  if (deterministic !== undefined) return deterministic;

  const scored: ScoredCandidate[] = [];
  for (const personId of candidatesFor(prepared, index)) {
    const candidate = index.persons.get(personId)!;
    scored.push({ personId, ...scoreVector(compareFields(prepared, candidate), params) });
  }
  if (scored.length === 0) return { method: 'probabilistic', decision: 'non-link', weights: {}, candidates: 0 };

  // Ties by person id, so that the result does not depend on the index's order.
  scored.sort((a, b) => b.score - a.score || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0));
  const [best, runnerUp] = scored;
  let decision = classify(best.score, thresholds);
  if (decision === 'link' && runnerUp !== undefined && runnerUp.score >= thresholds.lower && best.score - runnerUp.score < margin) {
    decision = 'review';
  }
  // Whatever the other fields say, a person whose name is quite another is not linked unseen:
  // same-day births of one place share a birth date and most of an id.
  if (decision === 'link' && best.weights.name.level === 'different') decision = 'review';
  return {
    method: best.weights.citizenId.level === 'repair' ? 'citizen-id-repair' : 'probabilistic',
    decision,
    ...(decision === 'non-link' ? {} : { personId: best.personId }),
    score: best.score,
    weights: best.weights,
    ...(runnerUp === undefined ? {} : { runnerUp }),
    candidates: scored.length,
  };
}

/**
 * The deterministic pass alone: the link `linkPerson` makes by the record's valid id, or undefined
 * when it would score the blocked candidates instead. It needs only the registry persons holding
 * that id in the index (with every place of their ids, see `registryLinkTargets`), not the blocks.
 */
export function linkById(
  record: LinkagePerson | PreparedPerson,
  index: LinkageIndex,
  params: FellegiSunterParameters = DEFAULT_PARAMETERS,
): LinkResult | undefined {
  const prepared = isPrepared(record) ? record : preparePerson(record);
  return linkByCitizenId(prepared, index, params);
}

/**
 * The deterministic pass: a valid id held by exactly one registry person, who agrees with the
 * record on name or birth date. An id whose holder differs in both is a conflict (a valid id of
 * somebody else, mistyped) and is left to scoring, like an id the registry does not hold.
 */
function linkByCitizenId(record: PreparedPerson, index: LinkageIndex, params: FellegiSunterParameters): LinkResult | undefined {
  if (record.validId === undefined) return undefined;
  const holders = index.byCitizenId.get(record.validId) ?? [];
  if (holders.length !== 1) return undefined;
  const personId = holders[0];
  const vector = compareFields(record, index.persons.get(personId)!);
  if (vector.name === 'different' && vector.birthDate === 'different') return undefined;
  const { score, weights } = scoreVector(vector, params);
  return { method: 'citizen-id', decision: 'link', personId, score, weights, candidates: 1 };
}

function isPrepared(record: LinkagePerson | PreparedPerson): record is PreparedPerson {
  return 'source' in record && typeof record.source === 'object';
}
