import type { Workbook } from 'exceljs';
import { payout, planGroupNames, yellowCardList, type AssessmentPlan, type LedgerOutcome } from '@sanxian/domain';
import { addSafeRow, addTable, type Cell, type Column } from './workbook-table';

/**
 * The year's payout sheet (奖金兑现: unit, tier, amount, and the total) and yellow-card list
 * (黄牌警告: every unit warned or vetoed, with the reasons), as sheets of a workbook: the ledger's
 * own workbook, and the scoreboard's. Pure; the rows are the ledger's (or, before publication,
 * what the ledger would record).
 */

export const PAYOUT_SHEET = '奖金兑现 payout';
export const YELLOW_CARD_SHEET = '黄牌警告 yellow cards';

const PAYOUT: Column[] = [
  { zh: '考核线', en: 'line', width: 10 },
  { zh: '组别', en: 'group', width: 14 },
  { zh: '名次', en: 'rank', width: 6 },
  { zh: '单位代码', en: 'unit id', width: 24 },
  { zh: '单位', en: 'unit', width: 28 },
  { zh: '等次', en: 'tier', width: 14 },
  { zh: '总分', en: 'score', width: 9, format: '0.00' },
  { zh: '奖金(元)', en: 'amount (yuan)', width: 12, format: '#,##0.00' },
];

const YELLOW_CARDS: Column[] = [
  { zh: '考核线', en: 'line', width: 10 },
  { zh: '组别', en: 'group', width: 14 },
  { zh: '单位代码', en: 'unit id', width: 24 },
  { zh: '单位', en: 'unit', width: 28 },
  { zh: '总分', en: 'score', width: 9, format: '0.00' },
  { zh: '处理', en: 'outcome', width: 14 },
  { zh: '一票否决', en: 'vetoed', width: 9 },
  { zh: '原因', en: 'reasons', width: 70 },
];

/** Adds the payout sheet and the yellow-card list; returns the total paid (yuan). */
export function addLedgerSheets(workbook: Workbook, plan: AssessmentPlan, outcomes: readonly LedgerOutcome[]): number {
  const lines = new Map(plan.lines.map((l) => [l.line, l.name.zh]));
  const groups = planGroupNames(plan);
  const where = (o: LedgerOutcome): Cell[] => [lines.get(o.line) ?? o.line, groups.get(o.groupId)?.zh ?? o.groupId];

  const paid = payout(outcomes);
  const payoutSheet = workbook.addWorksheet(PAYOUT_SHEET);
  addTable(payoutSheet, PAYOUT, paid.rows.map((o) => [...where(o), o.rank, o.unitId, o.unitName.zh, o.outcomeName.zh, o.score, o.prize]));
  const total = addSafeRow(payoutSheet, ['合计 total', null, null, null, `${paid.rows.length} 个单位 units`, null, null, paid.total]);
  total.font = { bold: true };

  addTable(workbook.addWorksheet(YELLOW_CARD_SHEET), YELLOW_CARDS, yellowCardList(outcomes).map((o) => [
    ...where(o), o.unitId, o.unitName.zh, o.score, o.outcomeName.zh, o.outcome === 'veto' ? '是 yes' : '否 no', o.reasons.join('；'),
  ]));
  return paid.total;
}
