import type { AssessmentPlan, LinePlan, PlanIndicator, PlanUnit } from '@sanxian/domain';
import type { AssessorInputRow } from '@sanxian/persistence';
import type { FieldIssue } from '../reconciliation/staff-request-validator';
import type { AssessorInputBody } from './assessment-request-validator';

/** A field-named problem of an entry the schema admits but the plan cannot score; `conflict` when it repeats an entry. */
export interface InputIssue extends FieldIssue {
  conflict?: boolean;
}

/**
 * What the schema cannot say about an assessor's entry: that its unit, indicator, item, veto and
 * check exist in the year's plan and fit each other, and that it does not repeat what was entered
 * (a grade or value given twice, a check id used twice). Empty when the entry can be scored.
 */
export function assessorInputIssues(plan: AssessmentPlan, body: AssessorInputBody, entered: readonly AssessorInputRow[]): InputIssue[] {
  const units = new Map<string, { line: LinePlan; unit: PlanUnit }>();
  for (const line of plan.lines) for (const unit of line.units) units.set(unit.id, { line, unit });
  const checks = new Map(entered.filter((r) => r.type === 'check').map((r) => [String(r.body.checkId), r.body as { unitIds?: string[] }]));

  if (body.type === 'check') {
    const issues: InputIssue[] = [];
    if (checks.has(body.checkId!)) issues.push({ field: 'checkId', message: `check ${body.checkId} is entered already`, conflict: true });
    body.unitIds!.forEach((unitId, i) => {
      if (!units.has(unitId)) issues.push({ field: `unitIds.${i}`, message: `is not a unit of plan ${plan.id} v${plan.version}` });
    });
    return issues;
  }

  const found = units.get(body.unitId!);
  if (!found) return [{ field: 'unitId', message: `is not a unit of plan ${plan.id} v${plan.version}` }];
  const { line, unit } = found;

  switch (body.type) {
    case 'grade':
    case 'value': {
      const indicator = line.indicators.find((i) => i.id === body.indicatorId);
      if (!indicator) return [{ field: 'indicatorId', message: `is not an indicator of the ${line.line} line` }];
      const issues = indicatorIssues(body, indicator, unit);
      if (issues.length) return issues;
      if (body.checkId !== undefined) {
        const check = checks.get(body.checkId);
        if (!check) return [{ field: 'checkId', message: `no check ${body.checkId} is entered: enter the check (type check) first` }];
        if (!(check.unitIds ?? []).includes(unit.id)) return [{ field: 'checkId', message: `check ${body.checkId} did not cover unit ${unit.id}` }];
      }
      const same = entered.find((r) => (r.type === 'grade' || r.type === 'value') && (r.unitId ?? r.body.unitId) === unit.id
        && r.body.indicatorId === indicator.id && (r.body.checkId ?? undefined) === body.checkId);
      if (same) return [{ field: 'indicatorId', message: `${indicator.id} of ${unit.id}${body.checkId ? ` in check ${body.checkId}` : ''} is entered already (input ${same.id})`, conflict: true }];
      return [];
    }
    case 'item':
      if (![...line.bonus.items, ...line.penalty.items].some((i) => i.id === body.itemId)) {
        return [{ field: 'itemId', message: `is not a bonus or penalty item of the ${line.line} line` }];
      }
      return [];
    case 'veto-event':
      if (!line.vetoes.some((v) => v.id === body.vetoId && v.kind === 'event')) return [{ field: 'vetoId', message: `is not an event veto of the ${line.line} line` }];
      return [];
  }
}

function indicatorIssues(body: AssessorInputBody, indicator: PlanIndicator, unit: PlanUnit): InputIssue[] {
  if (indicator.appliesTo !== undefined && !indicator.appliesTo.includes(unit.kind)) {
    return [{ field: 'indicatorId', message: `does not apply to a ${unit.kind}` }];
  }
  const qualitative = indicator.kind === 'qualitative';
  if (body.type === 'grade' && !qualitative) return [{ field: 'indicatorId', message: `is ${indicator.kind}: enter a value, not a grade` }];
  if (body.type === 'value' && qualitative) return [{ field: 'indicatorId', message: 'is qualitative: enter a grade, not a value' }];
  if (body.type === 'value' && indicator.kind === 'quantitative-computed' && body.checkId === undefined) {
    return [{ field: 'indicatorId', message: 'is computed by the hub at year end: only a regular check (checkId) may enter a value of it' }];
  }
  const period = body.checkId === undefined ? 'year-end' : 'regular';
  if (!indicator.periods.includes(period)) {
    return [{ field: body.checkId === undefined ? 'checkId' : 'indicatorId', message: `${indicator.id} is not assessed ${period === 'year-end' ? 'at year end: give the regular check (checkId)' : 'in regular checks'}` }];
  }
  return [];
}
