import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { RegionFile } from '../region-directory';
import { checkPlan, type AssessmentPlan } from './assessment-plan';
import { lineOf, xichong2026 } from './scoring-test.factory';

const XICHONG_REGIONS = require('../../data/regions/511325.json') as RegionFile;
const SCHEMA_PATH = join(__dirname, '..', '..', '..', '..', 'schemas', 'plan', 'assessment-plan.schema.json');

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv, ['date', 'date-time']);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
}

describe('assessment-plan.schema.json', () => {
  const validate = validator();

  it('accepts the shipped 2026 plan for 西充县', () => {
    expect(validate(xichong2026())).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
  });

  it.each<[string, (plan: AssessmentPlan) => void]>([
    ['a published plan without its publication time', (p) => delete p.publishedAt],
    ['an unknown status', (p) => Object.assign(p, { status: 'final' })],
    ['a rule of unknown type', (p) => Object.assign(lineOf(p, 'business').indicators[0], { scoring: { type: 'curve', direction: 'higher-is-better' } })],
    ['a linear rule without its zero bound', (p) => delete (lineOf(p, 'party-government').indicators[1].scoring as { zero?: number }).zero],
    ['a grade worth more than full marks', (p) => (lineOf(p, 'business').qualitative.grades.A = 1.2)],
    ['a negative quota', (p) => (lineOf(p, 'party-government').rankings[0].tiers[0].quota = -1)],
    ['a township code of 6 digits', (p) => (lineOf(p, 'party-government').units[0].regionCode = '511325')],
    ['an unknown field', (p) => Object.assign(p, { note: 'x' })],
    ['a veto measured in an unknown way', (p) => Object.assign(lineOf(p, 'party-government').vetoes[0], { measure: 'per-cent' })],
    ['a veto condition without its bound', (p) => Object.assign(lineOf(p, 'party-government').vetoes[0], { and: [{ indicatorId: 'births-outside-policy', op: 'above' }] })],
    ['an event veto for an unknown unit kind', (p) => Object.assign(lineOf(p, 'business').vetoes[0], { appliesTo: ['hamlet'] })],
  ])('rejects %s', (_, spoil) => {
    const plan = xichong2026();
    spoil(plan);
    expect(validate(plan)).toBe(false);
  });
});

it('still accepts a veto written before thresholds could be combined: one value above or below a bound', () => {
  const plan = xichong2026();
  lineOf(plan, 'party-government').vetoes[0] = {
    id: 'births-outside-policy', name: { zh: '发生政策外生育', en: 'births outside the policy' }, kind: 'indicator', indicatorId: 'births-outside-policy', op: 'above', bound: 0,
  };
  const validate = validator();
  expect(validate(plan)).toBe(true);
  expect(checkPlan(plan)).toEqual([]);
});

describe('checkPlan', () => {
  it('finds nothing wrong with the shipped plan', () => {
    expect(checkPlan(xichong2026())).toEqual([]);
  });

  it.each<[string, (plan: AssessmentPlan) => void, string]>([
    ['weights not summing to 1', (p) => (lineOf(p, 'business').weights.level = 0.6), 'quality and level weights do not sum to 1'],
    ['a veto on an unknown indicator', (p) => Object.assign(lineOf(p, 'party-government').vetoes[0], { indicatorId: 'nope' }), 'unknown indicator nope'],
    ['a unit in no ranking group', (p) => (lineOf(p, 'department').rankings = lineOf(p, 'department').rankings.slice(0, 1)), 'in 0 ranking groups'],
    ['tiers not descending', (p) => (lineOf(p, 'party-government').rankings[0].tiers[1].minScore = 95), 'must need less than the tier above'],
    ['a linear rule against its direction', (p) => Object.assign(lineOf(p, 'party-government').indicators[1].scoring!, { full: 5, zero: 0 }), 'contradict the direction'],
    ['a target for an unknown unit', (p) => (lineOf(p, 'party-government').indicators[0].target!.byUnit!['511325999'] = 10), 'unknown unit 511325999'],
    ['one code for two stations', (p) => (lineOf(p, 'department').units[4].codes = lineOf(p, 'department').units[3].codes), 'code is given to two units'],
    ['points on a factor grade', (p) => (lineOf(p, 'department').indicators[3].points = 10), 'its points must be 0'],
    ['village control numbers short of the township\'s', (p) => (control(p)['511325101002'] -= 3), 'the villages\' control numbers of 太平镇 (511325101) add up to 61, 3 fewer than the township\'s 64'],
    ['village control numbers over the township\'s', (p) => (control(p)['511325110001'] += 2), 'the villages\' control numbers of 鸣龙镇 (511325110) add up to 58, 2 more than the township\'s 56'],
    ['a township\'s village left without a control number', (p) => delete control(p)['511325110213'], 'but 511325110213 has none'],
    ['a village outside its township', (p) => (lineOf(p, 'party-government').units.find((u) => u.id === '511325101002')!.regionCode = '511325102002'), 'inside 太平镇 (511325101)'],
    ['a village specialist under a unit of another line', (p) => (lineOf(p, 'business').units.find((u) => u.id === '511325101002.vfp')!.parent = '511325101'), 'unknown parent 511325101'],
    ['a village specialist under a township', (p) => {
      const line = lineOf(p, 'party-government');
      line.units.push({ id: 'x.vfp', name: { zh: '专干', en: 'specialist' }, kind: 'village-fp', regionCode: '511325101002', parent: '511325101' });
    }, 'village-fp x.vfp must lie under a fp-office, not township 511325101'],
    ['a village ranking under an unknown unit', (p) => (lineOf(p, 'party-government').rankings[1].parent = '511325999'), 'under unknown unit 511325999'],
  ])('reports %s', (_, spoil, problem) => {
    const plan = xichong2026();
    spoil(plan);
    expect(checkPlan(plan).join('\n')).toContain(problem);
  });
});

/** The party-government line's births control numbers, by unit. */
function control(plan: AssessmentPlan): Record<string, number> {
  return lineOf(plan, 'party-government').indicators.find((i) => i.id === 'births-vs-control')!.target!.byUnit!;
}

describe('the shipped 2026 plan', () => {
  const plan = xichong2026();
  const townshipCodes = XICHONG_REGIONS.townships.map((t) => t.code);

  it('assesses every township of the region file on the party-government and business lines', () => {
    const townships = lineOf(plan, 'party-government').units.filter((u) => u.kind === 'township');
    expect(townships.map((u) => u.regionCode)).toEqual(townshipCodes);
    expect(lineOf(plan, 'business').units.filter((u) => u.kind === 'fp-office').map((u) => u.regionCode)).toEqual(townshipCodes);
    expect(townships.map((u) => u.name.zh)).toEqual(XICHONG_REGIONS.townships.map((t) => t.name));
  });

  it('hands every township a births control number, 2,480 in all', () => {
    const townships = Object.entries(control(plan)).filter(([unitId]) => unitId.length === 9);
    expect(townships.map(([unitId]) => unitId)).toEqual(townshipCodes);
    expect(townships.reduce((a, [, n]) => a + n, 0)).toBe(2480);
  });

  it.each([['511325101', '太平镇', 64], ['511325110', '鸣龙镇', 56]])('hands %s %s\'s births down to every one of its villages, on both lines, adding up to %i', (code, name, total) => {
    const villages = XICHONG_REGIONS.townships.find((t) => t.code === code)!.villages.map((v) => v.code);
    const pg = lineOf(plan, 'party-government').units.filter((u) => u.kind === 'village' && u.parent === code);
    expect(pg.map((u) => u.regionCode)).toEqual(villages);
    expect(lineOf(plan, 'business').units.filter((u) => u.kind === 'village-fp' && u.parent === `${code}.fpo`).map((u) => u.regionCode)).toEqual(villages);
    expect(villages.reduce((a, v) => a + control(plan)[v], 0)).toBe(total);
    expect(lineOf(plan, 'party-government').rankings.find((g) => g.parent === code)?.name.zh).toBe(`${name}各村（社区）`);
  });

  it('scores public security, civil affairs and health with their stations, named by their exchange codes', () => {
    const units = lineOf(plan, 'department').units;
    expect(units.filter((u) => u.kind === 'department').map((u) => u.name.zh)).toEqual(['西充县公安局', '西充县民政局', '西充县卫生健康局']);
    const stations = units.filter((u) => u.kind === 'station');
    expect(stations.map((s) => s.parent)).not.toContain(undefined);
    // A police station per township, as the synthetic county's hukou feed names them.
    expect(stations.filter((s) => s.parent === 'public-security').flatMap((s) => s.codes)).toEqual(townshipCodes.map((c) => `51132552${c.slice(6)}0`));
    expect(stations.find((s) => s.name.zh === '西充县人民医院')?.codes).toEqual(['H511325001']);
  });
});
