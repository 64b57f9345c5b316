import { parse } from 'csv-parse/sync';
import { neutraliseFormula, safeCsv, safeExportCell, safeExportText, showInvisibleCharacters, visibleJson } from './export-text';

/** Values an agency (or an insider) could send to become an attack where they are exported. */
export const HOSTILE = [
  "=cmd|' /C calc'!A0",
  '+1+1',
  '-2+3',
  '@SUM(1+1)*cmd|\' /C calc\'!A0',
  '\t=1+1',
  '\r=1+1',
  'gpj.\u202Eexe',
  '张\u200B三',
  'a\u0007b\u001B[31m',
];

describe('exported text is never a formula and hides nothing', () => {
  it("puts a ' before what a spreadsheet would run (OWASP)", () => {
    for (const value of ["=cmd|' /C calc'!A0", '+1', '-1', '@A1', '\t=1', '\r=1']) expect(neutraliseFormula(value)).toBe(`'${value}`);
    for (const value of ['张三', '511325101', 'a=1', ' =1', '', "'=1"]) expect(neutraliseFormula(value)).toBe(value);
  });

  it('shows bidi, zero-width and control characters as their code points; line feeds stay', () => {
    expect(showInvisibleCharacters('gpj.\u202Eexe')).toBe('gpj.<U+202E>exe');
    expect(showInvisibleCharacters('\u2066x\u2069\u200E\u061C\uFEFF\u00AD')).toBe('<U+2066>x<U+2069><U+200E><U+061C><U+FEFF><U+00AD>');
    expect(showInvisibleCharacters('a\u0000b\u007F\u0085\u2028\u{E0041}')).toBe('a<U+0000>b<U+007F><U+0085><U+2028><U+E0041>');
    expect(showInvisibleCharacters('第一行\n第二行\r\n')).toBe('第一行\n第二行<U+000D>\n');
    expect(showInvisibleCharacters('西充县 511325 Zhāng')).toBe('西充县 511325 Zhāng');
  });

  it('does both, in that order, and leaves numbers and empty cells alone', () => {
    expect(safeExportText('\t=1+1')).toBe("'<U+0009>=1+1");
    expect(safeExportText('\u202E=1+1')).toBe('<U+202E>=1+1');
    expect(safeExportCell(-2.5)).toBe(-2.5);
    expect(safeExportCell(null)).toBeNull();
  });

  it('writes CSV whose every hostile text cell reads back as text, and whose numbers stay numbers', () => {
    const csv = safeCsv([['名次 rank', '单位 unit', '说明 note'], ...HOSTILE.map((value, i) => [i + 1, value, -i - 0.5])], { bom: true });
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = csv.subarray(3).toString('utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows: string[][] = parse(text, { relax_column_count: false });
    expect(rows).toHaveLength(HOSTILE.length + 1);
    for (const [i, row] of rows.slice(1).entries()) {
      expect(row[0]).toBe(String(i + 1));
      expect(row[2]).toBe(String(-i - 0.5));
      expect(row[1]).toBe(safeExportText(HOSTILE[i]));
      expect(row[1]).not.toMatch(/^[=+\-@\t\r]/);
      expect(row[1]).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2066-\u2069]/);
    }
    expect(rows[1][1]).toBe("'=cmd|' /C calc'!A0");
    // A negative number is written bare, not as text.
    expect(text.split('\r\n')[1]).toBe(`1,'=cmd|' /C calc'!A0,-0.5`);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    const text = safeCsv([['严重弄虚作假, "情节严重"', 'line1\nline2', null, 3]]).toString('utf8');
    expect(text).toBe('"严重弄虚作假, ""情节严重""","line1\nline2",,3\r\n');
  });

  it('writes JSON that shows invisible characters as escapes and parses back to the same value', () => {
    const value = { recordId: 'gpj.\u202Eexe', errors: [{ message: '张\u200B三\u0085\u{E0041}\n' }], index: 3 };
    const text = visibleJson(value);
    expect(text).toBe('{"recordId":"gpj.\\u202eexe","errors":[{"message":"张\\u200b三\\u0085\\udb40\\udc41\\n"}],"index":3}');
    expect(JSON.parse(text)).toEqual(value);
  });
});
