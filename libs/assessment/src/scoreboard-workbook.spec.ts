import { parse } from 'csv-parse/sync';
import { Workbook } from 'exceljs';
import { scoreAssessment, type AssessmentResult } from '@sanxian/domain';
import { lineOf, randomLineInputs, xichong2026 } from '@sanxian/domain/testing';
import { chinaTime, scoreboardCsv, scoreboardSheetNames, scoreboardWorkbook } from './scoreboard-workbook';

describe('the scoreboard workbook and CSV', () => {
  const plan = xichong2026();
  const inputs = plan.lines.map((line, i) => randomLineInputs(line, 11 + i));
  // The factory's check ids are the same for every line; the plan needs them unique.
  const renamed = (checkId: string | undefined, i: number) => (checkId === undefined ? {} : { checkId: `${i}-${checkId}` });
  const merged = {
    values: inputs.flatMap((x, i) => x.values.map(({ checkId, ...v }) => ({ ...v, ...renamed(checkId, i) }))),
    grades: inputs.flatMap((x, i) => (x.grades ?? []).map(({ checkId, ...g }) => ({ ...g, ...renamed(checkId, i) }))),
    items: inputs.flatMap((x) => x.items ?? []),
    regularChecks: inputs.flatMap((x, i) => (x.regularChecks ?? []).map((c) => ({ ...c, checkId: `${i}-${c.checkId}` }))),
  };
  const result: AssessmentResult = scoreAssessment(plan, merged);

  it("ranks a township's villages in its line's sheet, each under its own group", async () => {
    const buffer = await scoreboardWorkbook(plan, result, []);
    const workbook = new Workbook();
    await workbook.xlsx.load(buffer as any);
    const rows: [string, number, string][] = [];
    workbook.getWorksheet(scoreboardSheetNames(plan, 'party-government').ranking)!.eachRow((row, n) => {
      if (n > 2) rows.push([row.getCell(2).value as string, row.getCell(1).value as number, row.getCell(4).value as string]);
    });
    const minglong = rows.filter(([unitId]) => unitId.startsWith('511325110') && unitId.length === 12);
    expect(minglong).toHaveLength(7);
    expect(minglong.map(([, rank]) => rank)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(minglong.map(([, , group]) => group))).toEqual(new Set(['鸣龙镇各村（社区）']));
  });

  it('has a ranking and a breakdown sheet per line whose scores are the engine\'s', async () => {
    const buffer = await scoreboardWorkbook(plan, result, [], { generatedAt: new Date('2026-12-31T00:00:00Z') });
    const workbook = new Workbook();
    await workbook.xlsx.load(buffer as any);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['说明 About', '党政线', '党政线 明细', '业务线', '业务线 明细', '部门线', '部门线 明细', '奖金兑现 payout', '黄牌警告 yellow cards']);
    for (const line of plan.lines) {
      const names = scoreboardSheetNames(plan, line.line);
      const sheet = workbook.getWorksheet(names.ranking)!;
      expect(sheet.getRow(1).getCell(5).value).toBe('总分');
      expect(sheet.getRow(2).getCell(5).value).toBe('score');
      const rows: [string, number, number][] = [];
      sheet.eachRow((row, n) => {
        if (n > 2) rows.push([row.getCell(2).value as string, row.getCell(1).value as number, row.getCell(5).value as number]);
      });
      const expected = result.units.filter((u) => u.line === line.line).map((u) => [u.unitId, u.rank, u.score]);
      expect(rows).toEqual(expected);

      // The breakdown has the total of every unit, and every year-end indicator of it.
      const breakdown = workbook.getWorksheet(names.breakdown)!;
      const totals = new Map<string, number>();
      const indicatorRows = new Map<string, number>();
      breakdown.eachRow((row, n) => {
        if (n <= 2) return;
        const unitId = row.getCell(1).value as string;
        if (row.getCell(3).value === '总分 total') totals.set(unitId, row.getCell(13).value as number);
        if (row.getCell(3).value === '年终考核') indicatorRows.set(unitId, (indicatorRows.get(unitId) ?? 0) + 1);
      });
      expect(Object.fromEntries(totals)).toEqual(Object.fromEntries(expected.map(([id, , score]) => [id, score])));
      for (const unit of line.units) {
        const applicable = line.indicators.filter((i) => i.periods.includes('year-end') && (i.appliesTo === undefined || i.appliesTo.includes(unit.kind)));
        expect([unit.id, indicatorRows.get(unit.id)]).toEqual([unit.id, applicable.length]);
      }
    }
  });

  it('gives its times in China time and the engine\'s notes in Chinese', async () => {
    const noted = structuredClone(result);
    const unit = noted.units[0];
    unit.breakdown.note = 'not covered by any regular check: scored on the year-end assessment alone';
    const buffer = await scoreboardWorkbook(plan, noted, [], { generatedAt: new Date('2026-12-31T17:30:00Z'), publishedAt: new Date('2027-01-05T02:00:00Z') });
    const workbook = new Workbook();
    await workbook.xlsx.load(buffer as any);
    const about = new Map<string, string>();
    workbook.getWorksheet('说明 About')!.eachRow((row) => about.set(String(row.getCell(1).value), String(row.getCell(2).value)));
    // 17:30 UTC on the 31st is half past one in the morning of New Year's Day in the county.
    expect(about.get('生成时间 generated')).toBe('2027-01-01 01:30:00 北京时间 (UTC+8)');
    expect(about.get('结果状态 status')).toBe('已公布 published 2027-01-05 10:00:00 北京时间 (UTC+8)');
    expect(chinaTime(new Date('2026-06-30T16:00:00Z'))).toBe('2026-07-01 00:00:00 北京时间 (UTC+8)');
    const notes: string[] = [];
    workbook.getWorksheet(scoreboardSheetNames(plan, unit.line).breakdown)!.eachRow((row, n) => {
      if (n > 2 && row.getCell(1).value === unit.unitId && row.getCell(17).value) notes.push(String(row.getCell(17).value));
    });
    expect(notes).toContain('未列入任何平时考核：仅按年终考核计分');
    expect(notes.filter((n) => /not covered|no value|no target|no grade|capped/.test(n))).toEqual([]);
  });

  it('writes a line as RFC 4180 CSV with a BOM, quoting what needs it', () => {
    const vetoed = structuredClone(result);
    const unit = vetoed.units.find((u) => u.line === 'party-government')!;
    unit.vetoes.push({ vetoId: 'falsification', name: { zh: '严重弄虚作假, "情节严重"', en: 'x' }, evidenceIds: [], note: 'line1\nline2' });
    const csv = scoreboardCsv(vetoed, 'party-government');
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const [header] = text.split('\r\n');
    expect(header.split(',')[0]).toBe('名次 rank');
    expect(header.split(',')).toHaveLength(14);
    expect(text).toContain('"严重弄虚作假, ""情节严重"": line1\nline2"');
    const units = vetoed.units.filter((u) => u.line === 'party-government');
    // Header, one record per unit (the quoted line break is inside a record), and the empty tail.
    expect(text.split('\r\n')).toHaveLength(units.length + 2);
    expect(text.split('\r\n')[1].split(',').slice(0, 2)).toEqual([String(units[0].rank), units[0].unitId]);
    expect(lineOf(plan, 'party-government').units).toHaveLength(units.length);
  });

  describe('with hostile text from outside (names, notes, reasons)', () => {
    const HOSTILE = ["=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', 'gpj.\u202Eexe', '张\u200B三'];
    const hostile = structuredClone(result);
    const units = hostile.units.filter((u) => u.line === 'party-government');
    HOSTILE.forEach((text, i) => {
      units[i].name = { zh: text, en: text };
      units[i].vetoes.push({ vetoId: 'falsification', name: { zh: text, en: text }, evidenceIds: [], note: text });
    });
    const formula = /^[=+\-@\t\r]/;
    const invisible = /[\u0000-\u0009\u000B-\u001F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/;

    it('writes no workbook cell a spreadsheet would run or that hides a character; numbers stay numbers', async () => {
      const workbook = new Workbook();
      await workbook.xlsx.load((await scoreboardWorkbook(plan, hostile, [], { generatedAt: new Date('2026-12-31T00:00:00Z') })) as any);
      const texts: string[] = [];
      workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => {
        expect(cell.formula).toBeUndefined();
        if (typeof cell.value === 'string') texts.push(cell.value);
      })));
      expect(texts.filter((t) => formula.test(t) || invisible.test(t))).toEqual([]);
      const sheet = workbook.getWorksheet(scoreboardSheetNames(plan, 'party-government').ranking)!;
      const byUnit = new Map<string, (string | number)[]>();
      sheet.eachRow((row, n) => {
        if (n > 2) byUnit.set(row.getCell(2).value as string, [row.getCell(3).value as string, row.getCell(5).value as number, row.getCell(14).value as string]);
      });
      expect(byUnit.get(units[0].unitId)).toEqual(["'=cmd|' /C calc'!A0", units[0].score, expect.stringContaining("'=cmd|' /C calc'!A0")]);
      expect(byUnit.get(units[4].unitId)![0]).toBe("'<U+0009>=1+1");
      expect(byUnit.get(units[6].unitId)![0]).toBe('gpj.<U+202E>exe');
      expect(byUnit.get(units[7].unitId)![0]).toBe('张<U+200B>三');
      expect(typeof byUnit.get(units[0].unitId)![1]).toBe('number');
    });

    it('writes no CSV cell a spreadsheet would run or that hides a character; numbers stay numbers', () => {
      const rows: string[][] = parse(scoreboardCsv(hostile, 'party-government').subarray(3).toString('utf8'));
      expect(rows).toHaveLength(units.length + 1);
      for (const row of rows) for (const cell of row) expect([cell, formula.test(cell) || invisible.test(cell)]).toEqual([cell, false]);
      expect(rows[1][2]).toBe("'=cmd|' /C calc'!A0");
      expect(rows.slice(1).map((r) => Number(r[4]))).toEqual(units.map((u) => u.score));
    });
  });
});
