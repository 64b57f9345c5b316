import { Workbook } from 'exceljs';
import { ledgerOutcomes, scoreAssessment } from '@sanxian/domain';
import { closingYearInputs, VETOED_TOWNSHIP, WARNED_TOWNSHIP, xichong2026 } from '@sanxian/domain/testing';
import { addLedgerSheets, PAYOUT_SHEET, YELLOW_CARD_SHEET } from './ledger-workbook';

/** A sheet's rows after its two header rows, as plain values. */
function body(workbook: Workbook, name: string): unknown[][] {
  const rows: unknown[][] = [];
  workbook.getWorksheet(name)!.eachRow((row, n) => {
    if (n > 2) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe('the payout sheet and the yellow-card list', () => {
  const plan = xichong2026();
  const result = scoreAssessment(plan, closingYearInputs(plan));

  async function written(outcomes = ledgerOutcomes(result)): Promise<Workbook> {
    const workbook = new Workbook();
    addLedgerSheets(workbook, plan, outcomes);
    const read = new Workbook();
    await read.xlsx.load((await workbook.xlsx.writeBuffer()) as any);
    return read;
  }

  it('pays each awarded unit its tier\'s prize, and totals them as the plan\'s tiers add up', async () => {
    const rows = body(await written(), PAYOUT_SHEET);
    const total = rows.pop()!;
    const awarded = result.units.filter((u) => u.outcome.kind === 'award');
    // Independently: each awarded unit's tier looked up in its group of the plan.
    const prizeOf = new Map(plan.lines.flatMap((l) => l.rankings.flatMap((g) => g.tiers.map((t) => [`${g.id}/${t.id}`, t.prize] as const))));
    const prizes = awarded.map((u) => prizeOf.get(`${u.group}/${(u.outcome as { tierId: string }).tierId}`)!);
    expect(rows.map((r) => [r[3], r[7]])).toEqual(awarded.map((u, i) => [u.unitId, prizes[i]]));
    expect(rows[0].slice(0, 6)).toEqual(['党政线', expect.any(String), 1, awarded[0].unitId, awarded[0].name.zh, (awarded[0].outcome as { name: { zh: string } }).name.zh]);
    expect(total[0]).toBe('合计 total');
    expect(total[7]).toBe(prizes.reduce((a, b) => a + b, 0));
    expect(total[7]).toBeGreaterThan(0);
  });

  it('lists every unit warned or vetoed, with its reasons', async () => {
    const rows = body(await written(), YELLOW_CARD_SHEET);
    const flagged = result.units.filter((u) => u.outcome.kind === 'yellow-card' || u.vetoes.length > 0);
    expect(rows.map((r) => r[2])).toEqual(flagged.map((u) => u.unitId));
    const vetoed = rows.find((r) => r[2] === VETOED_TOWNSHIP)!;
    expect(vetoed.slice(5)).toEqual(['黄牌警告', '是 yes', '一票否决：政策外生育超过2例且超过出生数的20‰，实际 4例，4/58 = 68.97‰']);
    expect(rows.find((r) => r[2] === WARNED_TOWNSHIP)![7]).toMatch(/低于黄牌线/);
  });

  it('never writes text from outside as a formula, nor hides characters', async () => {
    const outcomes = ledgerOutcomes(result).map((o) => (o.outcome === 'award' || o.yellowCard ? { ...o, unitName: { zh: '=HYPERLINK("http://x","镇")', en: '' }, reasons: ['原因\u202Eexe'] } : o));
    const workbook = await written(outcomes);
    expect(body(workbook, PAYOUT_SHEET)[0][4]).toBe('\'=HYPERLINK("http://x","镇")');
    expect(body(workbook, YELLOW_CARD_SHEET)[0][7]).toBe('原因<U+202E>exe');
  });
});
