import { stringify } from 'csv-stringify/sync';

/**
 * Text from outside (agency records, names, ids, comments, reasons) made safe to put in a file people open
 * in a spreadsheet or a terminal. Two rules, applied by the writers (CSV, xlsx), not by each caller:
 *
 * - formula injection (OWASP, "CSV Injection"): a cell starting with `=`, `+`, `-`, `@`, a tab or a
 *   carriage return can be run as a formula, so it gets a leading `'` and is shown as text;
 * - invisible characters: controls, bidi overrides and isolates, zero-width and other format characters
 *   can make a value read as another (`U+202E` turns `exe.txt` around), so each is shown as `<U+202E>`.
 *   Line feeds stay: a multi-line comment is visible as such.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

// Cc (controls, but the line feed), Cf (format: bidi controls, zero-width, tags, soft hyphen), Zl, Zp.
const INVISIBLE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** `<U+202E>`: the code point, in the form Unicode writes it. */
function visibleEscape(char: string): string {
  return `<U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Every invisible character of `text` shown as its code point. */
export function showInvisibleCharacters(text: string): string {
  return text.replace(INVISIBLE, visibleEscape);
}

/** `'` before a value a spreadsheet would read as a formula. */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Text as it goes into an exported cell: never a formula, nothing hidden. */
export function safeExportText(text: string): string {
  return showInvisibleCharacters(neutraliseFormula(text));
}

/**
 * JSON whose strings show every invisible character as a `\u` escape: the same value to any parser, nothing
 * hidden from a person reading the file (NDJSON side files such as the push client's rejections).
 */
export function visibleJson(value: unknown): string {
  return JSON.stringify(value).replace(INVISIBLE, (char) => [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

/** A cell of an export: text is made safe, numbers stay numbers, empty stays empty. */
export type ExportCell = string | number | null | undefined;

export function safeExportCell<T extends ExportCell>(value: T): T {
  return (typeof value === 'string' ? safeExportText(value) : value) as T;
}

/**
 * Rows as CSV (RFC 4180, CRLF), every text cell made safe (safeExportText) and quoted when it holds a
 * comma, quote or line break; numbers written as numbers. `bom`: a UTF-8 byte-order mark, so that Excel
 * reads Chinese correctly.
 */
export function safeCsv(rows: readonly (readonly ExportCell[])[], options: { bom?: boolean } = {}): Buffer {
  const text = stringify(rows as ExportCell[][], {
    bom: options.bom ?? false,
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    cast: { string: safeExportText, date: (d) => d.toISOString() },
    // The library's own guard as well, for a value cast to text some other way.
    escape_formulas: true,
  });
  return Buffer.from(text, 'utf8');
}
