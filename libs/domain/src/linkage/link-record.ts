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

  const deterministic = linkByCitizenId(prepared, index, params);
  if (deterministic !== undefined) return deterministic;

  const tally = new CandidateTally();
  for (const personId of candidatesFor(prepared, index)) {
    const candidate = index.persons.get(personId)!;
    tally.add({ personId, ...scoreVector(compareFields(prepared, candidate), params) });
  }
  return tally.verdict(thresholds, options);
}

/**
 * The scored candidates of one record, kept as they come: how many, and the best two (ties by
 * person id, so that the verdict depends neither on the order they come in nor on how they are
 * split). `linkPerson` scores a record's candidates into one; a pass over the registry in pages
 * (`BlockedLinkageCandidates.linkFacts`) scores each page's into it and decides as `linkPerson` would.
 */
export class CandidateTally {
  private count = 0;
  private best?: ScoredCandidate;
  private runnerUp?: ScoredCandidate;

  /** The person the best candidate so far is. */
  get leader(): string | undefined {
    return this.best?.personId;
  }

  add(candidate: ScoredCandidate): void {
    this.count += 1;
    if (this.best === undefined || ranksBefore(candidate, this.best)) {
      this.runnerUp = this.best;
      this.best = candidate;
    } else if (this.runnerUp === undefined || ranksBefore(candidate, this.runnerUp)) {
      this.runnerUp = candidate;
    }
  }

  /** The verdict on the candidates added: Fellegi–Sunter's class of the best, unless a close runner-up or another name makes it a review. */
  verdict(thresholds: LinkageThresholds = DEFAULT_THRESHOLDS, options: LinkOptions = {}): LinkResult {
    const { best, runnerUp } = this;
    if (best === undefined) return { method: 'probabilistic', decision: 'non-link', weights: {}, candidates: 0 };
    const margin = options.ambiguityMargin ?? DEFAULT_AMBIGUITY_MARGIN;
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
      candidates: this.count,
    };
  }
}

/** Higher score first; ties by person id. */
function ranksBefore(a: ScoredCandidate, b: ScoredCandidate): boolean {
  return a.score > b.score || (a.score === b.score && a.personId < b.personId);
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
