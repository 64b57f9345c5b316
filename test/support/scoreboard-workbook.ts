import { expect } from '@jest/globals';
import type { Workbook } from 'exceljs';

/** A scoreboard line's sheet of the exported workbook as [unit id, rank, total score] rows, below its two heading rows. */
export function sheetRanking(workbook: Workbook, sheetName: string): [string, number, number][] {
  const sheet = workbook.getWorksheet(sheetName)!;
  expect(sheet).toBeDefined();
  const rows: [string, number, number][] = [];
  sheet.eachRow((row, n) => {
    if (n > 2) rows.push([row.getCell(2).value as string, row.getCell(1).value as number, row.getCell(5).value as number]);
  });
  return rows;
}
