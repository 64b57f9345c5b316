/**
 * The demo's assessors: what county staff enter by hand in a real year — spot-check results and
 * qualitative grades — simulated from the synthetic county's ground truth, which plays "reality"
 * here: a spot check finds what the truth says is there, not what the hub was told.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, SPOT_CHECK_INDICATORS, type AssessmentPlan, type QualitativeGrade } from '@sanxian/domain';

export interface SimulatedInput {
  type: 'grade' | 'value' | 'check';
  /** Null for a check (its units are in its body). */
  unitId: string | null;
  body: Record<string, unknown>;
}

const SPOT_CHECK_CARDS = 30;
const GRADE_SHARES: [QualitativeGrade, number][] = [['A', 0.45], ['B', 0.4], ['C', 0.12], ['D', 0.03]];

interface TruthLine {
  kind: string;
  recordId: string;
  faults: string[];
}

interface TruthDiscrepancy {
  kind: string;
  townshipCode: string;
}

export function simulateAssessorInputs(plan: AssessmentPlan, countyDir: string, seed: string): SimulatedInput[] {
  // A stream of its own, so the grades do not shift when the county generator changes.
  const random = seededRandom([...`${seed}/assessors`].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7));
  const lines = (file: string) => readFileSync(join(countyDir, file), 'utf8').trimEnd().split('\n').filter(Boolean);
  const truth = lines('truth/records.ndjson').map((l) => JSON.parse(l) as TruthLine);
  const discrepancies = lines('truth/discrepancies.ndjson').map((l) => JSON.parse(l) as TruthDiscrepancy);
  const invalidRecords = new Set(truth.filter((t) => t.faults.some((f) => f.startsWith('invalid:'))).map((t) => t.recordId));
  // Births known in each township: notified by health (each record once, refused ones not), or on a card though never notified.
  const noticesByTownship = new Map<string, number>();
  const noticeIds = new Set<string>();
  for (const line of lines('birth-notices.ndjson')) {
    const notice = JSON.parse(line) as { recordId: string; regionCode: string };
    if (noticeIds.has(notice.recordId) || invalidRecords.has(notice.recordId)) continue;
    noticeIds.add(notice.recordId);
    const township = notice.regionCode.slice(0, 9);
    noticesByTownship.set(township, (noticesByTownship.get(township) ?? 0) + 1);
  }
  const unnotified = new Map<string, number>();
  // Births the township's own statistics (its cards) left out, though health notified them: what a survey finds unreported.
  const unreported = new Map<string, number>();
  for (const d of discrepancies) {
    if (d.kind === 'birth-not-notified') unnotified.set(d.townshipCode, (unnotified.get(d.townshipCode) ?? 0) + 1);
    if (d.kind === 'birth-not-in-registry') unreported.set(d.townshipCode, (unreported.get(d.townshipCode) ?? 0) + 1);
  }

  // The current version of each card, with whether reality agrees with it (no registry fault).
  const current = new Map<string, { version: number; township: string; faulty: boolean }>();
  for (const t of truth) {
    const match = t.kind === 'registry-card' ? /^RC-(.+-(\d{12})-\d+)-v(\d+)$/.exec(t.recordId) : null;
    if (!match) continue;
    const [, card, village, version] = match;
    const seen = current.get(card);
    if (!seen || seen.version < Number(version)) current.set(card, { version: Number(version), township: village.slice(0, 9), faulty: t.faults.length > 0 });
  }
  const cardsByTownship = new Map<string, boolean[]>();
  for (const card of [...current.keys()].sort()) {
    const { township, faulty } = current.get(card)!;
    cardsByTownship.set(township, [...(cardsByTownship.get(township) ?? []), faulty]);
  }

  const inputs: SimulatedInput[] = [];
  const grade = (): QualitativeGrade => {
    let r = random();
    for (const [g, share] of GRADE_SHARES) if ((r -= share) < 0) return g;
    return 'B';
  };
  for (const line of plan.lines) {
    for (const unit of line.units) {
      const township = unit.regionCode?.slice(0, 9);
      for (const indicator of line.indicators) {
        if (indicator.appliesTo && !indicator.appliesTo.includes(unit.kind)) continue;
        if (indicator.kind === 'qualitative') {
          inputs.push({ type: 'grade', unitId: unit.id, body: { indicatorId: indicator.id, grade: grade(), evidenceIds: [`check:${plan.year}-year-end`] } });
        } else if (indicator.kind === 'quantitative-entered' && township) {
          const value = enteredValue(indicator.id, township);
          if (value) inputs.push({ type: 'value', unitId: unit.id, body: { indicatorId: indicator.id, ...value, evidenceIds: [`check:${plan.year}-year-end`] } });
        }
      }
    }
  }
  return inputs;

  function enteredValue(indicatorId: string, township: string): { value: number; numerator: number; denominator: number } | undefined {
    if (indicatorId === 'birth-statistics-accuracy') {
      // The survey finds the township's births (notified, or known to its office alone); those its statistics
      // left out are the births health notified that its cards lack. A birth the office knows and health does
      // not (most are of women working elsewhere, notified where they gave birth) is reported, not concealed.
      const found = (noticesByTownship.get(township) ?? 0) + (unnotified.get(township) ?? 0);
      if (found === 0) return { value: 100, numerator: 0, denominator: 0 };
      const reported = Math.max(0, found - (unreported.get(township) ?? 0));
      return { value: round(100 - ((found - reported) / found) * 100), numerator: reported, denominator: found };
    }
    if (indicatorId === 'registry-accuracy') {
      const cards = cardsByTownship.get(township) ?? [];
      const sample = [...cards].sort(() => random() - 0.5).slice(0, SPOT_CHECK_CARDS);
      if (!sample.length) return undefined;
      const matching = sample.filter((faulty) => !faulty).length;
      return { value: round((100 * matching) / sample.length), numerator: matching, denominator: sample.length };
    }
    return undefined;
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The rest of the regular check (平时抽查) the demo's campaign makes, for the units it covers: what a household
 * survey does not measure. The check is one record (its units and date); for each unit, every regular indicator
 * but those the campaign's results give (SPOT_CHECK_INDICATORS, never typed in here): a computed rate as the hub
 * computed it for the year so far, a grade as the assessors gave it at year end. Without these the engine would
 * score the indicators no check measured as 0, and a unit would lose points for being checked.
 */
export function simulateRegularCheck(
  plan: AssessmentPlan,
  check: { checkId: string; date: string; unitIds: readonly string[]; evidenceIds: string[] },
  yearEnd: readonly SimulatedInput[],
  computed: readonly { unitId: string; indicatorId: string; checkId: string | null; value: number | null; numerator: number | null; denominator: number | null }[],
): SimulatedInput[] {
  const inputs: SimulatedInput[] = [];
  const unitIds: string[] = [];
  for (const line of plan.lines) {
    for (const unit of line.units.filter((u) => check.unitIds.includes(u.id))) {
      unitIds.push(unit.id);
      for (const indicator of line.indicators) {
        if (!indicator.periods.includes('regular') || indicator.id in SPOT_CHECK_INDICATORS) continue;
        if (indicator.appliesTo && !indicator.appliesTo.includes(unit.kind)) continue;
        const evidenceIds = check.evidenceIds;
        if (indicator.kind === 'qualitative') {
          const graded = yearEnd.find((i) => i.type === 'grade' && i.unitId === unit.id && i.body.indicatorId === indicator.id);
          if (graded) inputs.push({ type: 'grade', unitId: unit.id, body: { indicatorId: indicator.id, checkId: check.checkId, grade: graded.body.grade, evidenceIds } });
        } else if (indicator.kind === 'quantitative-computed') {
          const value = computed.find((v) => v.unitId === unit.id && v.indicatorId === indicator.id && !v.checkId);
          if (value && value.value !== null) {
            inputs.push({
              type: 'value', unitId: unit.id,
              body: { indicatorId: indicator.id, checkId: check.checkId, value: value.value, ...(value.numerator === null ? {} : { numerator: value.numerator }), ...(value.denominator === null ? {} : { denominator: value.denominator }), evidenceIds },
            });
          }
        }
      }
    }
  }
  return [{ type: 'check', unitId: null, body: { checkId: check.checkId, date: check.date, unitIds, evidenceIds: check.evidenceIds } }, ...inputs];
}
