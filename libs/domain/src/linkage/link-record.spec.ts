import fc from 'fast-check';
import { buildLinkageIndex } from './blocking';
import { FIELD_LEVELS, LINKAGE_FIELDS, type ComparisonVector } from './comparison';
import { classify, DEFAULT_PARAMETERS, DEFAULT_THRESHOLDS, scoreVector, type LinkageThresholds } from './fellegi-sunter';
import { CandidateTally, DEFAULT_AMBIGUITY_MARGIN, linkPerson, type LinkResult, type ScoredCandidate } from './link-record';
import { makeCitizenId, OTHER_TOWNSHIP, registryPerson, VILLAGE, withWrongCheckDigit } from './person.factory';

const mother = registryPerson({ personId: 'W1', name: '张秀英', birthDate: '1988-07-12', motherName: '李桂兰' });
const neighbour = registryPerson({ personId: 'W2', name: '张秀芳', birthDate: '1988-03-02' });
const sameNameElsewhere = registryPerson({ personId: 'W3', name: '张秀英', birthDate: '1971-01-20', regionCode: OTHER_TOWNSHIP });
const elder = registryPerson({ personId: 'S1', name: '王丽', birthDate: '1990-05-01', motherName: '刘桂芳' });
const twin = registryPerson({ personId: 'S2', name: '王莉', birthDate: '1990-05-01', motherName: '刘桂芳', citizenId: makeCitizenId(VILLAGE, '1990-05-01', 'F', 2) });
const younger = registryPerson({ personId: 'S3', name: '王俐', birthDate: '1993-08-15', motherName: '刘桂芳' });

const index = buildLinkageIndex([mother, neighbour, sameNameElsewhere, elder, twin, younger]);

describe('linkPerson', () => {
  it('links on an exact citizen id, deterministically, with the weights of every field', () => {
    const result = linkPerson({ ...mother, personId: undefined } as never, index);
    expect(result).toMatchObject({ method: 'citizen-id', decision: 'link', personId: 'W1' });
    expect(Object.keys(result.weights).sort()).toEqual([...LINKAGE_FIELDS].sort());
    expect(result.weights.citizenId).toMatchObject({ level: 'equal' });
    expect(result.score).toBeCloseTo(LINKAGE_FIELDS.reduce((sum, f) => sum + (result.weights[f]?.weight ?? 0), 0), 9);
  });

  it('links on a 15-digit id upgraded', () => {
    const old = registryPerson({ personId: 'O1', name: '陈德明', birthDate: '1962-11-03', sex: 'M' });
    const id15 = old.citizenId!.slice(0, 6) + old.citizenId!.slice(8, 17);
    const result = linkPerson({ citizenId: id15, name: '陈德明' }, buildLinkageIndex([old]));
    expect(result).toMatchObject({ method: 'citizen-id', decision: 'link', personId: 'O1' });
  });

  it('links an id with a wrong check digit by repair, to the right person', () => {
    const result = linkPerson(
      { citizenId: withWrongCheckDigit(mother.citizenId!), name: '张秀英', birthDate: '1988-07-12', sex: 'F', regionCode: VILLAGE },
      index,
    );
    expect(result).toMatchObject({ method: 'citizen-id-repair', decision: 'link', personId: 'W1' });
    expect(result.weights.citizenId).toMatchObject({ level: 'repair' });
    expect(result.weights.citizenId!.weight).toBeGreaterThan(0);
  });

  it('links a mother without id on name, birth date and village', () => {
    const result = linkPerson({ name: '张秀英', birthDate: '1988-07-12', sex: 'F', regionCode: VILLAGE }, index);
    expect(result).toMatchObject({ method: 'probabilistic', decision: 'link', personId: 'W1' });
    expect(result.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.upper);
    expect(result.weights).toMatchObject({
      citizenId: { level: 'missing', weight: 0 },
      name: { level: 'exact' },
      birthDate: { level: 'exact' },
      region: { level: 'village' },
    });
    expect(result.runnerUp?.personId).not.toBe('W1');
  });

  it('links a mother without id whose name has a homophone typo and birth date a digit slip', () => {
    const result = linkPerson({ name: '张秀瑛', birthDate: '1988-07-13', sex: 'F', regionCode: VILLAGE, motherName: '李桂兰' }, index);
    expect(result).toMatchObject({ method: 'probabilistic', decision: 'link', personId: 'W1' });
  });

  it('links a record with the true id to a card whose id was mistyped (a valid id of nobody)', () => {
    const trueId = makeCitizenId(VILLAGE, '1985-02-14', 'F', 40);
    const mistyped = makeCitizenId(VILLAGE, '1985-02-14', 'F', 45);
    const card = registryPerson({ personId: 'C1', name: '何春梅', birthDate: '1985-02-14', citizenId: mistyped });
    const result = linkPerson({ citizenId: trueId, name: '何春梅', birthDate: '1985-02-14', sex: 'F', regionCode: VILLAGE }, buildLinkageIndex([card, mother]));
    // The ids differ in the sequence digits only, as any two women born that day there do: the
    // name, birth date and village make the link.
    expect(result).toMatchObject({ method: 'probabilistic', decision: 'link', personId: 'C1' });
  });

  it('sends a same-day neighbour with a near id but quite another name to review, not to a link', () => {
    const recordId = makeCitizenId(VILLAGE, '1985-02-14', 'F', 40);
    const neighbour = registryPerson({ personId: 'N1', name: '王小红', birthDate: '1985-02-14', citizenId: makeCitizenId(VILLAGE, '1985-02-14', 'F', 41) });
    const result = linkPerson({ citizenId: recordId, name: '何春梅', birthDate: '1985-02-14', sex: 'F', regionCode: VILLAGE }, buildLinkageIndex([neighbour, mother]));
    expect(result.decision).not.toBe('link');
  });

  it('sends a record that fits two twin sisters equally to review, not to either', () => {
    // 王丽 and 王莉 are both "wang li"; the record's 王俐 is a homophone of each.
    const result = linkPerson({ name: '王俐', birthDate: '1990-05-01', sex: 'F', regionCode: VILLAGE, motherName: '刘桂芳' }, index);
    expect(result.decision).toBe('review');
    expect(['S1', 'S2']).toContain(result.personId);
    expect(['S1', 'S2']).toContain(result.runnerUp?.personId);
    expect(result.runnerUp?.personId).not.toBe(result.personId);
  });

  it('links to the right sister when the birth date tells them apart', () => {
    const result = linkPerson({ name: '王俐', birthDate: '1993-08-15', sex: 'F', regionCode: VILLAGE, motherName: '刘桂芳' }, index);
    expect(result).toMatchObject({ decision: 'link', personId: 'S3' });
  });

  it('does not link a sister missing from the registry to one who is there', () => {
    const result = linkPerson({ name: '王芳', birthDate: '1995-10-09', sex: 'F', regionCode: VILLAGE, motherName: '刘桂芳' }, index);
    expect(result.decision).not.toBe('link');
    expect(result.decision).toBe('non-link');
    expect(result.personId).toBeUndefined();
  });

  it('scores a valid id the registry does not hold as one field among others', () => {
    const result = linkPerson(
      { citizenId: makeCitizenId(OTHER_TOWNSHIP, '1988-07-12', 'F', 77), name: '张秀英', birthDate: '1988-07-12', sex: 'F', regionCode: VILLAGE },
      index,
    );
    expect(result.method).toBe('probabilistic');
    expect(result.weights.citizenId).toMatchObject({ level: 'different' });
    expect(result.weights.citizenId!.weight).toBeLessThan(0);
    expect(result.personId).toBe('W1');
  });

  it('does not trust a valid id whose holder differs in both name and birth date', () => {
    const result = linkPerson({ citizenId: younger.citizenId, name: '张秀英', birthDate: '1988-07-12', sex: 'F', regionCode: VILLAGE }, index);
    expect(result.method).not.toBe('citizen-id');
    expect(result.personId).toBe('W1');
  });

  it('sends a registry id held by two persons to scoring', () => {
    const duplicate = registryPerson({ personId: 'D2', name: '张秀英', birthDate: '1988-07-12', citizenId: mother.citizenId });
    const result = linkPerson({ citizenId: mother.citizenId, name: '张秀英' }, buildLinkageIndex([mother, duplicate]));
    expect(result.method).toBe('probabilistic');
    expect(result.decision).toBe('review');
  });

  it('leaves a record with no candidate unlinked', () => {
    const result = linkPerson({ name: '赵建国', birthDate: '1950-01-01', sex: 'M', regionCode: OTHER_TOWNSHIP }, index);
    expect(result).toEqual({ method: 'probabilistic', decision: 'non-link', weights: {}, candidates: 0 });
  });

  it('takes parameters and thresholds as configured', () => {
    const record = { name: '张秀英', birthDate: '1988-07-12', sex: 'F' as const, regionCode: VILLAGE };
    expect(linkPerson(record, index, DEFAULT_PARAMETERS, { upper: 1000, lower: 10 }).decision).toBe('review');
    expect(linkPerson(record, index, DEFAULT_PARAMETERS, { upper: 2000, lower: 1000 }).decision).toBe('non-link');
  });
});

/** The verdict on scored candidates as a whole list sorted once decides it (what `CandidateTally` keeps in two). */
function sortedVerdict(scored: ScoredCandidate[], thresholds: LinkageThresholds): LinkResult {
  if (scored.length === 0) return { method: 'probabilistic', decision: 'non-link', weights: {}, candidates: 0 };
  const [best, runnerUp] = [...scored].sort((a, b) => b.score - a.score || (a.personId < b.personId ? -1 : 1));
  let decision = classify(best.score, thresholds);
  if (decision === 'link' && runnerUp !== undefined && runnerUp.score >= thresholds.lower && best.score - runnerUp.score < DEFAULT_AMBIGUITY_MARGIN) decision = 'review';
  if (decision === 'link' && best.weights.name.level === 'different') decision = 'review';
  return {
    method: best.weights.citizenId.level === 'repair' ? 'citizen-id-repair' : 'probabilistic', decision,
    ...(decision === 'non-link' ? {} : { personId: best.personId }), score: best.score, weights: best.weights,
    ...(runnerUp === undefined ? {} : { runnerUp }), candidates: scored.length,
  };
}

describe('CandidateTally', () => {
  const vector = fc.record(
    Object.fromEntries(LINKAGE_FIELDS.map((field) => [field, fc.constantFrom(...FIELD_LEVELS[field])])) as { [F in keyof ComparisonVector]: fc.Arbitrary<ComparisonVector[F]> },
  );
  // Vectors drawn from a pool of a few, so that equal scores (ties broken by person id) are common.
  const vectors = fc.array(vector, { minLength: 1, maxLength: 3 }).chain((pool) => fc.array(fc.constantFrom(...pool), { maxLength: 12 }));
  const scoredInSomeOrder = vectors.chain((vectors) => {
    const scored = vectors.map((v, i): ScoredCandidate => ({ personId: `C${(i * 7) % 5}#${i}`, ...scoreVector(v, DEFAULT_PARAMETERS) }));
    return fc.tuple(fc.constant(scored), fc.shuffledSubarray(scored, { minLength: scored.length, maxLength: scored.length }));
  });

  it('decides on candidates met one at a time, in any order, as on the whole list sorted', () => {
    fc.assert(
      fc.property(scoredInSomeOrder, fc.constantFrom(DEFAULT_THRESHOLDS, { upper: 5, lower: 0 }), ([scored, shuffled], thresholds) => {
        const tally = new CandidateTally();
        for (const candidate of shuffled) tally.add(candidate);
        expect(tally.verdict(thresholds)).toEqual(sortedVerdict(scored, thresholds));
        expect(tally.leader).toBe(sortedVerdict(scored, { upper: -1e9, lower: -1e9 }).personId);
      }),
      { seed: 20261208, numRuns: 500 },
    );
  });
});
