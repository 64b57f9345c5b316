/**
 * The demo county's outcomes stay believable: over several seeds, at the demo's size, the township
 * line gives a few yellow cards and vetoes, as the county's own report did (3 townships warned in
 * two years), not most townships. The generator and the scoring engine run as the demo runs them;
 * only the hub between them is replaced by the ground truth (demo-outcomes.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AssessmentPlan, UnitResult } from '@sanxian/domain';
import { generateCounty } from '@sanxian/synth';
import { demoTownshipResults } from './demo-outcomes';

const PLAN = JSON.parse(readFileSync(join(__dirname, '..', '..', 'libs', 'domain', 'data', 'plans', '511325-2026.json'), 'utf8')) as AssessmentPlan;
/** The demo's default size, and the year as the demo runs it late in the year. */
const PEOPLE = 200_000;
const AS_OF = '2026-12-06';
const SEEDS = ['1', '2', '3'];
/**
 * The calibrated range (libs/domain/data/plans/README.md): at most 4 of 23 townships a year, and a
 * few over the seeds' years together (the report: 3 in two years), not none every year.
 */
const MOST_IN_A_YEAR = 4;
const AT_LEAST_OVER_THE_SEEDS = 2;

describe('the demo county, scored by the shipped 2026 plan', () => {
  const results = new Map<string, UnitResult[]>();
  const dirs: string[] = [];
  beforeAll(async () => {
    for (const seed of SEEDS) {
      const out = mkdtempSync(join(tmpdir(), `sanxian-calibration-${seed}-`));
      dirs.push(out);
      await generateCounty({ county: PLAN.county.code, people: PEOPLE, seed, year: PLAN.year, asOf: AS_OF, out });
      results.set(seed, demoTownshipResults(out, PLAN, seed));
    }
  }, 600_000);
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const carded = (seed: string) => results.get(seed)!.filter((u) => u.outcome.kind === 'yellow-card');

  it.each(SEEDS)('seed %s: at most a few townships get a yellow card, never most', (seed) => {
    const townships = results.get(seed)!;
    expect(townships).toHaveLength(23);
    // Named in the failure message, so a miscalibration shows who and why.
    const summary = carded(seed).map((u) => `${u.name.zh} ${u.score}${u.vetoes.map((v) => ` ${v.vetoId}`).join('')}`);
    expect({ seed, summary, withinRange: summary.length <= MOST_IN_A_YEAR }).toEqual({ seed, summary, withinRange: true });
    // Every veto is a yellow card (the plan's yellowCard.onVeto), so vetoes are within the range too.
    for (const unit of townships.filter((u) => u.vetoes.length > 0)) expect(unit.outcome.kind).toBe('yellow-card');
  });

  it('warns a few townships over the seeds together, as the county did (3 in two years)', () => {
    const total = SEEDS.reduce((n, seed) => n + carded(seed).length, 0);
    expect(total).toBeGreaterThanOrEqual(AT_LEAST_OVER_THE_SEEDS);
    expect(total).toBeLessThanOrEqual(MOST_IN_A_YEAR * SEEDS.length);
  });
});
