import { randomUUID } from 'node:crypto';
import { AssessmentRepository, PlanVersionConflict } from '@sanxian/persistence';
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
    // No use-case withdraws an entry yet: the set-up marks one as the column allows.
    await ctx.sql(`UPDATE assessor_input SET withdrawn_at = now() WHERE id = $1`, [veto.id]);
    expect((await assessment.inputs('xichong-2025', 2025)).map((i) => i.id)).toEqual([grade.id]);
    expect(await assessment.inputs('other-plan', 2025)).toEqual([]);
  });

  it('publishes a year’s results once', async () => {
    expect(await assessment.publication('xichong-2025', 2025)).toBeUndefined();
    expect(await assessment.publishResults('xichong-2025', 2025, 2, { units: [{ id: '511325101', score: 91.5 }] }, assessor)).toBe(true);
    expect(await assessment.publishResults('xichong-2025', 2025, 2, { units: [] }, assessor)).toBe(false);
    expect(await assessment.publication('xichong-2025', 2025)).toEqual({ planVersion: 2, result: { units: [{ id: '511325101', score: 91.5 }] }, publishedAt: expect.any(Date) });
    expect(await assessment.publication('xichong-2025', 2024)).toBeUndefined();
  });
});
