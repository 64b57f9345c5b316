/**
 * The demo's township outcomes without the hub: the party-government line's computed indicators
 * from a synthetic county's files, as IndicatorRepository forms them from the hub's tables (births
 * notified or on a card un-notified, police deaths, current cards, card children's compliance,
 * notified sexes), plus what the demo's assessors enter, through the real scoring engine. Linkage
 * is taken as perfect (the ground truth's discrepancies stand for the ones reconciliation raises),
 * which the hub achieves on these counts (see the README's accuracy figures).
 */
import { join } from 'node:path';
import type { RecordKind } from '@sanxian/contracts';
import {
  computedIndicatorValues,
  scoreAssessment,
  type AssessmentPlan,
  type CountyMeasures,
  type IndicatorMeasure,
  type UnitResult,
} from '@sanxian/domain';
import type { AssessorInputRow } from '@sanxian/persistence';
import type { BirthNoticeRecord, Discrepancy, HukouChangeRecord, RegistryCardRecord, TruthRecord } from '@sanxian/synth';
import { scoringInputs } from '@sanxian/assessment';
import { censusPopulation } from '@sanxian/contracts';
import { simulateAssessorInputs } from '../../apps/cli/src/demo-assessors';
import { readNdjson, SYNTH_FILES } from './synth-to-rule-inputs';

/** Valid records of one kind, each once (a resent copy is the same record; a refused one is evidence of nothing). */
function accepted<R extends { recordId: string }>(dir: string, kind: RecordKind, invalid: ReadonlySet<string>): R[] {
  const seen = new Set<string>();
  return readNdjson<R>(join(dir, SYNTH_FILES[kind])).filter((r) => {
    if (seen.has(r.recordId) || invalid.has(r.recordId)) return false;
    seen.add(r.recordId);
    return true;
  });
}

function grouped(rows: { group: string; numerator: number; denominator: number }[]): IndicatorMeasure[] {
  const byGroup = new Map<string, IndicatorMeasure>();
  for (const row of rows) {
    const m = byGroup.get(row.group) ?? { group: row.group, numerator: 0, denominator: 0, evidence: [] };
    byGroup.set(row.group, { ...m, numerator: m.numerator + row.numerator, denominator: m.denominator + row.denominator });
  }
  return [...byGroup.values()];
}

const township = (regionCode: string) => regionCode.slice(0, 9);

/** The township line's measures (the other lines' are left empty: they are not calibrated here). */
export function townshipMeasures(dir: string, plan: AssessmentPlan): CountyMeasures {
  const { from, to } = plan.assessmentYear;
  const inPeriod = (day: string) => day >= from && day <= to;
  const truth = readNdjson<TruthRecord>(join(dir, 'truth/records.ndjson'));
  const invalid = new Set(truth.filter((t) => t.faults.some((f) => f.startsWith('invalid:'))).map((t) => t.recordId));
  const discrepancies = readNdjson<Discrepancy>(join(dir, 'truth/discrepancies.ndjson'));
  const notices = accepted<BirthNoticeRecord>(dir, 'birth-notice', invalid).filter((n) => inPeriod(n.eventDate));
  const unnotified = discrepancies.filter((d) => d.kind === 'birth-not-notified' && inPeriod(d.subject.childBirthDate));
  const deaths = accepted<HukouChangeRecord>(dir, 'hukou-change', invalid).filter((h) => h.changeType === 'death' && inPeriod(h.eventDate));
  const current = new Map<string, RegistryCardRecord>();
  for (const card of accepted<RegistryCardRecord>(dir, 'registry-card', invalid)) {
    const seen = current.get(card.cardId);
    if (seen === undefined || seen.version < card.version) current.set(card.cardId, card);
  }
  const cards = [...current.values()];
  const none = { byAgency: [], byStation: [] };
  return {
    births: grouped([
      ...notices.map((n) => ({ group: township(n.regionCode), numerator: 1, denominator: 1 })),
      ...unnotified.map((d) => ({ group: d.townshipCode, numerator: 1, denominator: 1 })),
    ]),
    deaths: grouped(deaths.map((h) => ({ group: township(h.regionCode), numerator: 1, denominator: 1 }))),
    cards: grouped(cards.filter((c) => c.residenceStatus !== 'deceased').map((c) => ({ group: township(c.regionCode), numerator: 1, denominator: 1 }))),
    policyCompliantBirths: grouped(
      cards.flatMap((c) => c.children.filter((child) => inPeriod(child.birthDate)).map((child) => ({ group: township(c.regionCode), numerator: child.policyCompliant ? 1 : 0, denominator: 1 }))),
    ),
    birthsBySex: grouped(notices.map((n) => ({ group: township(n.regionCode), numerator: n.child.sex === 'M' ? 1 : 0, denominator: n.child.sex === 'F' ? 1 : 0 }))),
    discrepanciesDue: [],
    registryCompleteness: [],
    timeliness: none,
    validity: none,
    coverage: [],
    countyPopulation: censusPopulation(plan.county.code),
  };
}

/** The demo's party-government results for the county in `dir` (generated with `seed`), scored by `plan`. */
export function demoTownshipResults(dir: string, plan: AssessmentPlan, seed: string): UnitResult[] {
  const computed = computedIndicatorValues(plan, townshipMeasures(dir, plan));
  const values = computed.map((v) => ({ ...v, checkId: '' }));
  const entered: AssessorInputRow[] = simulateAssessorInputs(plan, dir, seed).map((input, i) => ({
    id: String(i), type: input.type, unitId: input.unitId, body: input.body, enteredBy: 'demo-county', enteredAt: new Date(0),
  }));
  const inputs = scoringInputs(values, entered);
  const result = scoreAssessment(plan, inputs);
  return result.units.filter((u) => u.line === 'party-government' && u.kind === 'township');
}
