import type { AssessorInputRow } from '@sanxian/persistence';
import { xichong2026 } from '@sanxian/domain/testing';
import { AssessmentRequestValidator, type AssessorInputBody } from './assessment-request-validator';
import { assessorInputIssues } from './assessor-input-check';

const row = (id: string, body: AssessorInputBody): AssessorInputRow => ({
  id, type: body.type, unitId: body.unitId ?? null, body: { ...body }, enteredBy: 'u', enteredAt: new Date(0),
});

describe('assessor input', () => {
  const plan = xichong2026();
  const validator = new AssessmentRequestValidator();
  const fieldsOf = (body: unknown): string[] => {
    try {
      validator.parse('assessor-input', body);
      return [];
    } catch (error) {
      return ((error as { getResponse(): { errors: { field: string }[] } }).getResponse().errors).map((e) => e.field).sort();
    }
  };

  it('admits each type with its own fields only, naming each bad one', () => {
    expect(fieldsOf({ type: 'grade', unitId: '511325101', indicatorId: 'publicity-education', grade: 'B', checkId: 'q2', evidenceIds: ['x'], note: 'ok' })).toEqual([]);
    expect(fieldsOf({ type: 'item', unitId: '511325101', itemId: 'late-report', count: 2, evidenceIds: ['x'] })).toEqual([]);
    expect(fieldsOf({ type: 'value', unitId: '511325101', indicatorId: 'birth-statistics-accuracy', value: 97.5, numerator: 39, denominator: 40 })).toEqual([]);
    expect(fieldsOf({ type: 'check', checkId: 'q2', date: '2026-06-30', unitIds: ['511325101'] })).toEqual([]);
    expect(fieldsOf({ type: 'veto-event', unitId: '511325101', vetoId: 'falsification', evidenceIds: ['x'] })).toEqual([]);

    expect(fieldsOf({ type: 'grade', unitId: '511325101', indicatorId: 'publicity-education', grade: 'B', value: 3 })).toEqual(['value']);
    expect(fieldsOf({ type: 'veto-event', unitId: '511325101', vetoId: 'falsification' })).toEqual(['evidenceIds']);
    expect(fieldsOf({ type: 'check', unitId: '511325101', checkId: 'q 2', date: '30.6.2026', unitIds: ['a', 'a'] })).toEqual(['checkId', 'date', 'unitId', 'unitIds']);
    expect(fieldsOf({ type: 'item', unitId: '511325101', itemId: 'late-report', count: 0, evidenceIds: ['  '] })).toEqual(['count', 'evidenceIds.0']);
    expect(fieldsOf({ unitId: '511325101' })).toEqual(['type']);
    expect(fieldsOf('grade')).toEqual(['body']);
  });

  it('checks the entry against the plan and what was entered before', () => {
    const check = row('1', { type: 'check', checkId: 'q2', unitIds: ['511325101'] });
    const grade = row('2', { type: 'grade', unitId: '511325101', indicatorId: 'publicity-education', grade: 'A' });
    const issues = (body: AssessorInputBody, entered: AssessorInputRow[] = [check, grade]) => assessorInputIssues(plan, body, entered).map((i) => [i.field, i.conflict ?? false]);

    expect(issues({ type: 'grade', unitId: '511325101', indicatorId: 'publicity-education', grade: 'B', checkId: 'q2' })).toEqual([]);
    expect(issues({ type: 'grade', unitId: '511325101', indicatorId: 'publicity-education', grade: 'B' })).toEqual([['indicatorId', true]]);
    expect(issues({ type: 'grade', unitId: '511325102', indicatorId: 'publicity-education', grade: 'B', checkId: 'q2' })).toEqual([['checkId', false]]);
    // Technical services are graded at year end only.
    expect(issues({ type: 'grade', unitId: '511325101', indicatorId: 'technical-services', grade: 'B', checkId: 'q2' })).toEqual([['indicatorId', false]]);
    expect(issues({ type: 'grade', unitId: 'public-security.ps-101', indicatorId: 'sector-tasks', grade: 'B' })).toEqual([['indicatorId', false]]);
    expect(issues({ type: 'value', unitId: '511325101', indicatorId: 'policy-compliant-rate', value: 90 })).toEqual([['indicatorId', false]]);
    expect(issues({ type: 'value', unitId: '511325101', indicatorId: 'policy-compliant-rate', value: 90, checkId: 'q2' })).toEqual([]);
    expect(issues({ type: 'value', unitId: '511325101.fpo', indicatorId: 'registry-accuracy', value: 96 })).toEqual([]);
    expect(issues({ type: 'item', unitId: 'health', itemId: 'withheld-information', evidenceIds: ['x'] })).toEqual([]);
    expect(issues({ type: 'item', unitId: 'health', itemId: 'late-report', evidenceIds: ['x'] })).toEqual([['itemId', false]]);
    expect(issues({ type: 'veto-event', unitId: 'health', vetoId: 'concealment', evidenceIds: ['x'] })).toEqual([]);
    expect(issues({ type: 'check', checkId: 'q2', unitIds: ['511325101'] })).toEqual([['checkId', true]]);
    expect(issues({ type: 'check', checkId: 'q3', unitIds: ['511325101', 'nowhere'] })).toEqual([['unitIds.1', false]]);
  });
});
