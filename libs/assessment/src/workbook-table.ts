import type { Worksheet } from 'exceljs';
import { safeExportCell } from '@sanxian/domain';

/** The tables of the hub's workbooks: Chinese headers with the English below, every cell made safe. */

export interface Column {
  zh: string;
  en: string;
  width: number;
  /** An Excel number format for numeric cells. */
  format?: string;
}

export type Cell = string | number | null;

/** Sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31);
}

/** Every row of the workbook goes in here: its text, which may come from outside, is never a formula and hides nothing. */
export function addSafeRow(sheet: Worksheet, cells: Cell[]) {
  return sheet.addRow(cells.map(safeExportCell));
}

export function addTable(sheet: Worksheet, columns: Column[], rows: Cell[][]): void {
  sheet.columns = columns.map((c) => ({ width: c.width }));
  const zh = addSafeRow(sheet, columns.map((c) => c.zh));
  const en = addSafeRow(sheet, columns.map((c) => c.en));
  zh.font = { bold: true };
  en.font = { italic: true, color: { argb: 'FF666666' } };
  for (const row of rows) addSafeRow(sheet, row);
  columns.forEach((c, i) => {
    if (c.format) sheet.getColumn(i + 1).numFmt = c.format;
  });
  sheet.views = [{ state: 'frozen', ySplit: 2, xSplit: 0 }];
  sheet.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2 + rows.length, column: columns.length } };
}

