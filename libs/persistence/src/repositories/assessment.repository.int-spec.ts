import { randomUUID } from 'node:crypto';
import { AssessmentRepository, PlanVersionConflict, PublicationStale, WithdrawalRefused } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('AssessmentRepository (plans frozen once published, assessors’ entries, published results)', () => {
  const ctx = persistenceSuite();
  let assessment: AssessmentRepository;
  const assessor = randomUUID();

  beforeAll(async () => {
    assessment = ctx.get(AssessmentRepository);
  });

  it('publishes plan versions, the latest of a year is current, and a version is never replaced', async () => {
    const v1 = await assessment.publishPlan({ id: 'xichong-2025', version: 1, year: 2025, title: '2025 考核方案' } as never, assessor);
    expect(v1).toMatchObject({ id: 'xichong-2025', version: 1, year: 2025, status: 'published', publishedAt: expect.any(Date) });
    expect(v1.document).toMatchObject({ title: '2025 考核方案', status: 'published' });
    await assessment.publishPlan({ id: 'xichong-2025', version: 2, year: 2025 }, null);
    await assessment.publishPlan({ id: 'xichong-2024', version: 1, year: 2024 }, null);

    expect((await assessment.currentPlan(2025))!.version).toBe(2);
    expect((await assessment.currentPlan(2024))!.id).toBe('xichong-2024');
    expect(await assessment.currentPlan(2026)).toBeUndefined();
    expect((await assessment.listPlans()).map((p) => [p.year, p.id, p.version])).toEqual([[2025, 'xichong-2025', 2], [2025, 'xichong-2025', 1], [2024, 'xichong-2024', 1]]);

    await expect(assessment.publishPlan({ id: 'xichong-2025', version: 1, year: 2025, title: 'rewritten' } as never, null)).rejects.toThrow(PlanVersionConflict);
    expect((await assessment.listPlans()).find((p) => p.version === 1 && p.year === 2025)!.document).toMatchObject({ title: '2025 考核方案' });
  });

  it('the database refuses to edit or delete a published plan', async () => {
    await expect(assessment.editPublished('xichong-2025', 1, { changed: true })).rejects.toThrow(/is published: publish a new version instead/);
    await expect(ctx.sql(`DELETE FROM assessment_plan WHERE id = 'xichong-2025'`)).rejects.toThrow(/is published/);
  });

  it('keeps assessors’ entries per plan and year, in entry order, without the withdrawn ones', async () => {
    const grade = await assessment.addInput('xichong-2025', 2025, 'grade', '511325101', { grade: 'A' }, assessor);
    expect(grade).toMatchObject({ type: 'grade', unitId: '511325101', body: { grade: 'A' }, enteredBy: assessor, enteredAt: expect.any(Date) });
    const veto = await assessment.addInput('xichong-2025', 2025, 'veto-event', null, { reason: '重大事件' }, assessor);
    await assessment.addInput('xichong-2025', 2024, 'value', '511325102', { value: 3 }, assessor);
    await expect(assessment.addInput('xichong-2025', 2025, 'opinion' as never, null, {}, assessor)).rejects.toThrow(/check constraint/);

    expect((await assessment.inputs('xichong-2025', 2025)).map((i) => i.id)).toEqual([grade.id, veto.id]);
    const withdrawal = await assessment.withdrawInput('xichong-2025', 2025, veto.id, '误录：事件属于2024年', assessor);
    expect(withdrawal).toEqual({ id: expect.any(String), inputId: veto.id, reason: '误录：事件属于2024年', withdrawnBy: assessor, withdrawnAt: expect.any(Date) });
    expect((await assessment.inputs('xichong-2025', 2025)).map((i) => i.id)).toEqual([grade.id]);
    expect(await assessment.withdrawals('xichong-2025', 2025)).toEqual([withdrawal]);
    expect(await assessment.inputs('other-plan', 2025)).toEqual([]);
  });

  it('withdraws an entry once, of its own plan and year only, and never edits or deletes one', async () => {
    const [grade] = await assessment.inputs('xichong-2025', 2025);
    const [withdrawn] = await assessment.withdrawals('xichong-2025', 2025);
    await expect(assessment.withdrawInput('xichong-2025', 2025, withdrawn.inputId, 'again', assessor)).rejects.toMatchObject({ reason: 'withdrawn-already' });
    await expect(assessment.withdrawInput('xichong-2025', 2024, grade.id, 'wrong year', assessor)).rejects.toMatchObject({ reason: 'not-found' });
    await expect(assessment.withdrawInput('xichong-2025', 2025, '999999', 'none', assessor)).rejects.toBeInstanceOf(WithdrawalRefused);
    await expect(ctx.sql(`UPDATE assessor_input SET body = '{}' WHERE id = $1`, [grade.id])).rejects.toThrow(/assessor_input is append-only: UPDATE refused/);
    await expect(ctx.sql(`DELETE FROM assessor_input_withdrawal`)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(ctx.sql(`TRUNCATE assessor_input CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('publishes a year’s results once', async () => {
    expect(await assessment.publication('xichong-2025', 2025)).toBeUndefined();
    expect(await assessment.publishResults('xichong-2025', 2025, 2, { units: [{ id: '511325101', score: 91.5 }] }, assessor)).toBe(true);
    expect(await assessment.publishResults('xichong-2025', 2025, 2, { units: [] }, assessor)).toBe(false);
    expect(await assessment.publication('xichong-2025', 2025)).toEqual({ planVersion: 2, result: { units: [{ id: '511325101', score: 91.5 }] }, publishedAt: expect.any(Date) });
    expect(await assessment.publication('xichong-2025', 2024)).toBeUndefined();
  });

  it('refuses to withdraw an entry of published results, in the repository and in the database', async () => {
    const [grade] = await assessment.inputs('xichong-2025', 2025);
    await expect(assessment.withdrawInput('xichong-2025', 2025, grade.id, 'too late', assessor)).rejects.toMatchObject({ reason: 'published' });
    await expect(ctx.sql(`INSERT INTO assessor_input_withdrawal (input_id, reason) VALUES ($1, 'around the repository')`, [grade.id])).rejects.toThrow(/can no longer be withdrawn/);
    expect((await assessment.inputs('xichong-2025', 2025)).map((i) => i.id)).toEqual([grade.id]);
  });

  it('refuses to publish results scored from entries that changed since', async () => {
    const entry = await assessment.addInput('xichong-2025', 2023, 'grade', '511325101', { grade: 'B' }, assessor);
    await expect(assessment.publishResults('xichong-2025', 2023, 2, { units: [] }, assessor, [], [])).rejects.toBeInstanceOf(PublicationStale);
    expect(await assessment.publication('xichong-2025', 2023)).toBeUndefined();
    expect(await assessment.publishResults('xichong-2025', 2023, 2, { units: [] }, assessor, [], [entry.id])).toBe(true);
  });
});
