import { ledgerOutcomes, payout, scoreAssessment, yellowCardList } from '@sanxian/domain';
import { closingYearInputs, lineOf, VETOED_TOWNSHIP, WARNED_TOWNSHIP, xichong2026 } from '@sanxian/domain/testing';

describe('the year\'s outcomes as ledger rows', () => {
  const plan = xichong2026();
  const result = scoreAssessment(plan, closingYearInputs(plan));
  const row = (unitId: string) => ledgerOutcomes(result).find((o) => o.unitId === unitId)!;

  it('records an award with its tier and prize, a veto with its reasons, a yellow card for the score', () => {
    const winner = result.units.find((u) => u.outcome.kind === 'award')!;
    expect(row(winner.unitId)).toMatchObject({ outcome: 'award', tierId: (winner.outcome as { tierId: string }).tierId, prize: (winner.outcome as { prize: number }).prize, yellowCard: false, reasons: [] });
    expect(row(VETOED_TOWNSHIP)).toMatchObject({ outcome: 'veto', yellowCard: true, tierId: null, prize: 0, outcomeName: { zh: '黄牌警告', en: 'yellow card' } });
    expect(row(VETOED_TOWNSHIP).reasons).toEqual(['一票否决：政策外生育超过2例且超过出生数的20‰，实际 4例，4/58 = 68.97‰']);
    expect(row(WARNED_TOWNSHIP)).toMatchObject({ outcome: 'yellow-card', yellowCard: true, prize: 0 });
    expect(row(WARNED_TOWNSHIP).reasons[0]).toMatch(/^总分 \d+\.\d\d 低于黄牌线/);
  });

  it('keeps a veto a veto where the plan gives no yellow card for one (不奖不惩), and lists it with the yellow cards', () => {
    const lenient = xichong2026();
    for (const group of lineOf(lenient, 'party-government').rankings) group.yellowCard.onVeto = false;
    const outcomes = ledgerOutcomes(scoreAssessment(lenient, closingYearInputs(lenient)));
    const vetoed = outcomes.find((o) => o.unitId === VETOED_TOWNSHIP)!;
    expect(vetoed).toMatchObject({ outcome: 'veto', yellowCard: false, outcomeName: { zh: '不奖不惩' } });
    expect(yellowCardList(outcomes).map((o) => o.unitId)).toContain(VETOED_TOWNSHIP);
  });

  it('pays only awards and totals them exactly, in fen', () => {
    const rows = [
      { outcome: 'award' as const, prize: 0.1 }, { outcome: 'award' as const, prize: 0.2 }, { outcome: 'no-award' as const, prize: 0 }, { outcome: 'award' as const, prize: 8000 },
    ];
    expect(payout(rows)).toEqual({ rows: [rows[0], rows[1], rows[3]], total: 8000.3 });
    expect(payout([])).toEqual({ rows: [], total: 0 });
  });
});
