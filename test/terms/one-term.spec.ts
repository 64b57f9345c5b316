import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Workbook } from 'exceljs';
import { scoreAssessment } from '@sanxian/domain';
import { scoreboardWorkbook } from '@sanxian/assessment';
import { MESSAGES } from '../../apps/console/src/i18n/messages';
import { randomLineInputs, xichong2026 } from '@sanxian/domain/testing';

/**
 * One term per idea, the county report's: a unit neither awarded nor penalised is 不奖不惩, never
 * 不奖不罚 — in the console, the workbook, the CLI's summaries, the plans and the docs.
 */
const TERM = '不奖不惩';
const OTHER = '不奖不罚';
const ROOT = join(__dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the one term for "no award, no penalty"', () => {
  it('is the only one in the Chinese console', () => {
    const zh = Object.entries(MESSAGES['zh-CN']);
    expect(zh.filter(([, text]) => text.includes(OTHER)).map(([key]) => key)).toEqual([]);
    expect(zh.some(([, text]) => text.includes(TERM))).toBe(true);
  });

  it('is the only one in the product: apps, libs, schemas, the README', () => {
    const product = [...files(join(ROOT, 'apps')), ...files(join(ROOT, 'libs')), ...files(join(ROOT, 'schemas')), join(ROOT, 'README.md')];
    const offending = product.filter((path) => /\.(ts|tsx|json|md|csv)$/.test(path) && readFileSync(path, 'utf8').includes(OTHER));
    expect(offending.map((path) => relative(ROOT, path))).toEqual([]);
  });

  it('is the one the workbook writes', async () => {
    const plan = xichong2026();
    const line = plan.lines[0];
    const result = scoreAssessment({ ...plan, lines: [line] }, randomLineInputs(line, 5));
    const workbook = new Workbook();
    await workbook.xlsx.load((await scoreboardWorkbook({ ...plan, lines: [line] }, result)) as any);
    const cells: string[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.value)))));
    expect(cells.filter((c) => c.includes(OTHER))).toEqual([]);
    const noAward = result.units.filter((u) => u.outcome.kind === 'no-award');
    if (noAward.length) expect(cells).toContain(TERM);
  });
});
