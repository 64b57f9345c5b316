import { Workbook } from 'exceljs';
import {
  ledgerOutcomes, noteInChinese, tieBreaksApplied,
  type AssessmentLineId, type AssessmentPlan, type AssessmentResult, type BreakdownNode, type IndicatorFacts, type LocalizedName, type UnitOutcome, type UnitResult,
} from '@sanxian/domain';
import { safeCsv } from '@sanxian/domain';
import type { StoredIndicatorValue } from '@sanxian/persistence';
import { addLedgerSheets } from './ledger-workbook';
import { addSafeRow, addTable, sheetName, type Cell, type Column } from './workbook-table';

/**
 * The scoreboard in the forms a county bureau circulates results: an .xlsx workbook (a cover
 * sheet, then per line its ranked units and their breakdown down to each indicator's numerator
 * and denominator) and a CSV of one line. Headers are Chinese, with the English below them (the
 * workbook) or beside them (the CSV). Pure: the numbers are the engine's, rounded as it rounds.
 */

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

const POINTS = '0.00';

/** The columns of a line's ranking, the same in the workbook and the CSV. */
const RANKING: Column[] = [
  { zh: '名次', en: 'rank', width: 6 },
  { zh: '单位代码', en: 'unit id', width: 24 },
  { zh: '单位', en: 'unit', width: 28 },
  { zh: '组别', en: 'group', width: 12 },
  { zh: '总分', en: 'score', width: 9, format: POINTS },
  { zh: '工作质量', en: 'quality', width: 9, format: POINTS },
  { zh: '工作水平', en: 'level', width: 9, format: POINTS },
  { zh: '年终考核', en: 'year-end', width: 9, format: POINTS },
  { zh: '平时考核', en: 'regular', width: 9, format: POINTS },
  { zh: '加分', en: 'bonus', width: 7, format: POINTS },
  { zh: '减分', en: 'penalty', width: 7, format: POINTS },
  { zh: '结果', en: 'outcome', width: 14 },
  { zh: '奖金(元)', en: 'prize (yuan)', width: 10, format: '#,##0' },
  { zh: '一票否决', en: 'veto reasons', width: 36 },
];

const BREAKDOWN: Column[] = [
  { zh: '单位代码', en: 'unit id', width: 24 },
  { zh: '单位', en: 'unit', width: 28 },
  { zh: '项目', en: 'part', width: 14 },
  { zh: '类别', en: 'dimension', width: 10 },
  { zh: '指标代码', en: 'indicator id', width: 26 },
  { zh: '指标', en: 'indicator', width: 24 },
  { zh: '检查', en: 'check', width: 14 },
  { zh: '数值', en: 'value', width: 10 },
  { zh: '分子', en: 'numerator', width: 10 },
  { zh: '分母', en: 'denominator', width: 11 },
  { zh: '目标', en: 'target', width: 9 },
  { zh: '等级', en: 'grade', width: 6 },
  { zh: '得分', en: 'points', width: 9, format: POINTS },
  { zh: '满分', en: 'max', width: 8, format: POINTS },
  { zh: '失分(总分)', en: 'points lost (of the total)', width: 12, format: POINTS },
  { zh: '依据记录数', en: 'evidence records', width: 10 },
  { zh: '说明', en: 'note', width: 40 },
];


/** A line's units as the ranking shows them, best rank first within each group. */
function rankingRows(result: AssessmentResult, line: AssessmentLineId, groupNames: Map<string, LocalizedName>): Cell[][] {
  return result.units
    .filter((u) => u.line === line)
    .map((u) => [
      u.rank, u.unitId, u.name.zh, groupNames.get(u.group)?.zh ?? u.group, u.score, u.quality, u.level, u.yearEnd, u.regular, u.bonus, u.penalty,
      outcomeText(u.outcome), u.outcome.kind === 'award' ? u.outcome.prize : null, vetoText(u),
    ]);
}

export function outcomeText(outcome: UnitOutcome): string {
  return outcome.name.zh;
}

/** Each veto with the value that triggered it: `发生政策外生育 (2)`. */
export function vetoText(unit: UnitResult): string {
  return unit.vetoes
    .map((v) => `${v.name.zh}${v.value === undefined ? '' : ` (${v.value}${v.checkId ? `, ${v.checkId}` : ''})`}${v.note ? `: ${noteInChinese(v.note)}` : ''}`)
    .join('; ');
}

/** Every row of a unit's breakdown: the total, each indicator (per check), each item, each veto. */
function breakdownRows(unit: UnitResult, notes: Map<string, string>): Cell[][] {
  const rows: Cell[][] = [];
  const head = [unit.unitId, unit.name.zh];
  const factCells = (facts: IndicatorFacts | undefined): Cell[] =>
    facts === undefined ? [null, null, null, null, null] : [facts.value ?? null, facts.numerator ?? null, facts.denominator ?? null, facts.target ?? null, facts.grade ?? null];
  // The engine's and the indicator computation's notes in Chinese (the workbook is read in Chinese).
  const note = (...parts: (string | undefined | null)[]) => parts.filter((p): p is string => Boolean(p)).map(noteInChinese).join('；') || null;
  rows.push([...head, '总分 total', null, null, null, null, null, null, null, null, null, unit.score, unit.breakdown.max, null, null, note(unit.breakdown.note)]);
  for (const part of unit.breakdown.children) {
    if (part.key === 'bonus' || part.key === 'penalty') {
      for (const item of part.children) {
        const id = item.key.slice(part.key.length + 1);
        rows.push([...head, part.name.zh, null, id, item.name.zh, null, item.facts?.value ?? null, null, null, null, null,
          part.key === 'penalty' ? -item.score : item.score, item.max, item.lost ?? null, item.facts?.evidenceIds.length ?? 0, note(item.note)]);
      }
      if (part.note) rows.push([...head, part.name.zh, null, null, null, null, null, null, null, null, null, part.key === 'penalty' ? -part.score : part.score, part.max, null, null, note(part.note)]);
      continue;
    }
    if (part.children.length === 0) {
      rows.push([...head, part.name.zh, null, null, null, null, null, null, null, null, null, part.score, part.max, part.lost ?? null, null, note(part.note)]);
      continue;
    }
    for (const dimension of part.children) {
      for (const indicator of dimension.children) {
        const id = indicator.key.split('/')[2];
        const observations: { check: string | null; node: BreakdownNode }[] = indicator.facts !== undefined || indicator.children.length === 0
          ? [{ check: null, node: indicator }]
          : indicator.children.map((c) => ({ check: c.facts?.checkId ?? null, node: c }));
        for (const { check, node } of observations) {
          const facts = node.facts;
          const valueNote = notes.get(noteKey(id, unit.unitId, facts?.checkId));
          const points = indicator.factor !== undefined ? `×${node.factor ?? node.score}` : null;
          rows.push([
            ...head, part.name.zh, dimension.name.zh, id, indicator.name.zh, check, ...factCells(facts),
            indicator.factor !== undefined ? null : node.score, indicator.factor !== undefined ? null : node.max,
            node === indicator ? (indicator.lost ?? null) : null, facts?.evidenceIds.length ?? 0,
            note(points && `系数 factor ${points}`, facts?.problem, valueNote, node.note),
          ]);
        }
        // Several checks: the indicator's own line, their mean, carries the points lost.
        if (observations.length > 1 || observations[0].node !== indicator) {
          rows.push([...head, part.name.zh, dimension.name.zh, id, indicator.name.zh, '平均 mean', null, null, null, null, null,
            indicator.factor !== undefined ? null : indicator.score, indicator.factor !== undefined ? null : indicator.max, indicator.lost ?? null, null,
            note(indicator.factor !== undefined ? `系数 factor ×${indicator.factor}` : null, indicator.note)]);
        }
      }
    }
  }
  for (const veto of unit.vetoes) {
    rows.push([...head, '一票否决 veto', null, veto.vetoId, veto.name.zh, veto.checkId ?? null, veto.value ?? null, null, null, null, null, null, null, null, veto.evidenceIds.length, note(veto.note)]);
  }
  return rows;
}

function noteKey(indicatorId: string, unitId: string, checkId: string | undefined): string {
  return JSON.stringify([indicatorId, unitId, checkId ?? '']);
}

const CHINA_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/** A moment as the county reads it: China time, `2026-12-07 13:00:44 北京时间 (UTC+8)`. */
export function chinaTime(at: Date): string {
  const part = Object.fromEntries(CHINA_TIME.formatToParts(at).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} 北京时间 (UTC+8)`;
}

/**
 * The workbook: a cover sheet (plan, version, year, when), then for each line of the plan its
 * ranking (`党政线`) and its breakdown (`党政线 明细`). `values` are the stored indicator values:
 * their notes (how a value was formed, why it is missing) go into the breakdown.
 */
export async function scoreboardWorkbook(
  plan: AssessmentPlan,
  result: AssessmentResult,
  values: readonly StoredIndicatorValue[] = [],
  options: { generatedAt?: Date; publishedAt?: Date | null } = {},
): Promise<Buffer> {
  const generatedAt = options.generatedAt ?? new Date();
  const workbook = new Workbook();
  workbook.creator = 'Sanxian Hub';
  workbook.created = generatedAt;
  workbook.modified = generatedAt;
  const notes = new Map(values.filter((v) => v.note).map((v) => [noteKey(v.indicatorId, v.unitId, v.checkId || undefined), v.note as string]));

  const cover = workbook.addWorksheet('说明 About');
  cover.columns = [{ width: 26 }, { width: 70 }];
  const about: [string, Cell][] = [
    ['考核方案 plan', `${plan.id} v${result.version}`],
    ['年度 year', result.year],
    ['县 county', `${plan.county.name} (${plan.county.code})`],
    ['考核期 assessment period', `${plan.assessmentYear.from} – ${plan.assessmentYear.to}`],
    ['结果状态 status', options.publishedAt ? `已公布 published ${chinaTime(options.publishedAt)}` : '未公布（试算） not published (provisional)'],
    ['生成时间 generated', chinaTime(generatedAt)],
    ['说明 note', '每条线一张排名表和一张明细表；明细列出每个指标的数值、分子、分母、目标和得分；最后是奖金兑现表和黄牌警告名单。One ranking sheet and one breakdown sheet per line; the breakdown gives each indicator\'s value, numerator, denominator, target and points; then the payout sheet and the yellow-card list.'],
  ];
  // Where a tier's quota split equal scores, the plan's rule that decided it.
  for (const line of plan.lines) {
    for (const group of line.rankings) {
      for (const applied of tieBreaksApplied(line, group, result.units.filter((u) => u.line === line.line))) {
        about.push([`并列处理 tie-break：${line.name.zh} ${group.name.zh}`, applied.text.zh]);
      }
    }
  }
  for (const row of about) addSafeRow(cover, row);
  cover.getColumn(1).font = { bold: true };
  cover.getColumn(2).alignment = { wrapText: true, vertical: 'top' };

  for (const line of plan.lines) {
    const groupNames = new Map(line.rankings.map((g) => [g.id, g.name]));
    const units = result.units.filter((u) => u.line === line.line);
    addTable(workbook.addWorksheet(sheetName(line.name.zh)), RANKING, rankingRows(result, line.line, groupNames));
    addTable(workbook.addWorksheet(sheetName(`${line.name.zh} 明细`)), BREAKDOWN, units.flatMap((u) => breakdownRows(u, notes)));
  }
  // Village rankings (村(居)) go before these two, once the plan ranks villages.
  addLedgerSheets(workbook, plan, ledgerOutcomes(result));
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The names of a line's two sheets in the workbook. */
export function scoreboardSheetNames(plan: AssessmentPlan, line: AssessmentLineId): { ranking: string; breakdown: string } {
  const found = plan.lines.find((l) => l.line === line);
  if (found === undefined) throw new Error(`plan ${plan.id} has no ${line} line`);
  return { ranking: sheetName(found.name.zh), breakdown: sheetName(`${found.name.zh} 明细`) };
}

/**
 * One line's ranking as CSV (RFC 4180, CRLF), UTF-8 with a byte-order mark so that Excel opens the
 * Chinese correctly; one header row, `名次 rank`, Chinese then English.
 */
export function scoreboardCsv(result: AssessmentResult, line: AssessmentLineId, groupNames: Map<string, LocalizedName> = new Map()): Buffer {
  return safeCsv([RANKING.map((c) => `${c.zh} ${c.en}`), ...rankingRows(result, line, groupNames)], { bom: true });
}
