import { isUtf8 } from 'node:buffer';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { MAX_BATCH_FILE_RECORDS, MAX_CSV_COLUMNS, MAX_JSON_RECORDS, MAX_MEMBERS, MAX_RECORD_NESTING, MAX_RECORD_SIZE, type RecordIssue } from '@sanxian/contracts/light';

/**
 * The body of a POST /v1/exchange/… request, turned into records: `application/json` `{"records": […]}`
 * (1–1,000), `application/x-ndjson` (one record a line) or `text/csv` (header row, dotted column names),
 * the latter two up to 100,000 records. A request-level failure throws BatchBodyError (400/413/415); a
 * single unreadable NDJSON line or CSV row is a per-record rejection so that the rest of the batch still counts.
 */
export type BatchFormat = 'json' | 'ndjson' | 'csv';

export const CONTENT_TYPES: Record<BatchFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
};

const MEDIA_TYPE_FORMAT: Record<string, BatchFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

export class BatchBodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BatchBodyError';
  }
}

/** `text`: the record's own JSON text, as sent (NDJSON lines only). */
export type ParsedEntry = { index: number; record: unknown; text?: Buffer } | { index: number; recordId?: string; error: RecordIssue };

function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** The batch format of a Content-Type header, ignoring parameters such as charset; undefined when unsupported. */
export function formatForContentType(contentType: string | undefined): BatchFormat | undefined {
  if (!contentType) return undefined;
  return MEDIA_TYPE_FORMAT[mediaType(contentType)];
}

/**
 * Like formatForContentType, but throws the 415 the hub answers: for a missing or unsupported media type, and
 * for a charset other than UTF-8 (GBK exports must be converted by the sender, not guessed at by the hub).
 */
export function requireBatchFormat(contentType: string | undefined): BatchFormat {
  const format = formatForContentType(contentType);
  if (!format) {
    throw new BatchBodyError(
      415,
      'unsupported-media-type',
      `Content-Type ${contentType ? `'${contentType}'` : '(missing)'} is not accepted; send application/json, application/x-ndjson or text/csv`,
    );
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new BatchBodyError(415, 'unsupported-charset', `charset '${charset}' is not accepted; bodies must be UTF-8`);
  }
  return format;
}

/**
 * Hands each entry of the body to `visit` as soon as it is read (NDJSON line by line, CSV row by row), so
 * that an entry the caller is done with can be let go before the next is read. Returns the entry count.
 */
export function forEachBatchEntry(format: BatchFormat, body: Buffer, visit: (entry: ParsedEntry) => void): number {
  switch (format) {
    case 'json': {
      const entries = parseJsonBody(body);
      entries.forEach(visit);
      return entries.length;
    }
    case 'ndjson':
      return readNdjsonBody(body, visit);
    case 'csv':
      return readCsvBody(body, visit);
  }
}

export function parseBatchBody(format: BatchFormat, body: Buffer): ParsedEntry[] {
  const entries: ParsedEntry[] = [];
  forEachBatchEntry(format, body, (entry) => entries.push(entry));
  return entries;
}

// fatal: a body that is not UTF-8 is refused rather than stored with U+FFFD in names. A leading BOM is dropped.
const utf8 = new TextDecoder('utf-8', { fatal: true });

const NOT_UTF8 = 'the body is not valid UTF-8 (text in GBK/GB18030 must be converted to UTF-8 before sending)';

function decode(body: Buffer, code: string): string {
  try {
    return utf8.decode(body);
  } catch {
    throw new BatchBodyError(400, code, NOT_UTF8);
  }
}

function tooMany(limit: number, what: string): BatchBodyError {
  return new BatchBodyError(413, 'too-many-records', `a ${what} body may hold at most ${limit.toLocaleString('en-US')} records`);
}

function emptyBatch(): BatchBodyError {
  return new BatchBodyError(400, 'empty-batch', 'the batch holds no records');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** What makes a parsed value too large to check: nesting too deep, or an object or array with too many members. */
export interface ShapeFault {
  code: 'nesting-too-deep' | 'too-many-fields';
  /** JSON Pointer of the value at fault. */
  at: string;
  message: string;
}

/**
 * The first place where `value` nests deeper than `depthLimit` levels of objects and arrays, or where an
 * object or array has more than MAX_MEMBERS members (but `largeArray`: a JSON body's records, checked
 * before). Walked with a stack of its own: a value parsed from 64 MB of '[' must not overflow the call
 * stack here, nor later wherever it is copied (a thread's answer); and a record with a million unknown
 * fields must not have the validator list a million errors.
 */
export function shapeFault(value: unknown, depthLimit: number, largeArray?: unknown): ShapeFault | undefined {
  // Per record on the hot path: no paths and no key arrays while walking; the path is found only for a fault.
  const nodes: unknown[] = [value];
  const depths: number[] = [1];
  while (nodes.length) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop()!;
    if (depth > depthLimit) return describeFault(value, node, 'nesting-too-deep', `nests objects and arrays more than ${depthLimit} levels deep`);
    let members = 0;
    for (const key in node) {
      const child = node[key];
      if (++members > MAX_MEMBERS && node !== largeArray) {
        const what = Array.isArray(node) ? 'items' : 'fields';
        return describeFault(value, node, 'too-many-fields', `has more than ${MAX_MEMBERS} ${what} in one ${Array.isArray(node) ? 'array' : 'object'}`);
      }
      if (child !== null && typeof child === 'object') {
        nodes.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return undefined;
}

/** The fault at `target`, found again with its JSON Pointer (rare: only for a value at fault). */
function describeFault(value: unknown, target: unknown, code: ShapeFault['code'], what: string): ShapeFault {
  const stack: [unknown, string][] = [[value, '']];
  let at = '';
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === target) {
      at = path;
      break;
    }
    if (node === null || typeof node !== 'object') continue;
    for (const key in node) stack.push([(node as Record<string, unknown>)[key], `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
  }
  return { code, at, message: `${what} (at ${at.slice(0, 200) || '/'})` };
}

function parseJsonBody(body: Buffer): ParsedEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decode(body, 'invalid-json'));
  } catch (error) {
    if (error instanceof BatchBodyError) throw error;
    throw new BatchBodyError(400, 'invalid-json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BatchBodyError(400, 'invalid-body', `the body must be a JSON object {"records": [ … ]}, not ${describe(parsed)}`);
  }
  const records = (parsed as { records?: unknown }).records;
  if (!Array.isArray(records)) {
    const found = records === undefined ? 'it has no "records"' : `"records" is ${describe(records)}`;
    throw new BatchBodyError(400, 'invalid-body', `the body must be a JSON object {"records": [ … ]} with an array of records; ${found}`);
  }
  if (records.length === 0) throw emptyBatch();
  if (records.length > MAX_JSON_RECORDS) throw tooMany(MAX_JSON_RECORDS, 'JSON');
  // The body's object and its records array are two levels above the records.
  const fault = shapeFault(parsed, MAX_RECORD_NESTING + 2, records);
  if (fault) throw new BatchBodyError(400, fault.code, `the body ${fault.message} (a record nests at most ${MAX_RECORD_NESTING} levels)`);
  return records.map((record, index) => ({ index, record }));
}

/** The record's id as refusals name it: a short string that is plain text, else none (it is echoed and stored). */
export function displayableRecordId(record: unknown): string | undefined {
  const id = (record as { recordId?: unknown } | null)?.recordId;
  return isPlainText(id, 64) ? id : undefined;
}

// The characters schemas/exchange/common.schema.json#/$defs/plainText forbids.
const NOT_PLAIN_TEXT = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** A string of at most `maxLength` that the contract's plain-text rule allows: safe to echo and to store. */
export function isPlainText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && !NOT_PLAIN_TEXT.test(value);
}

function recordIdIn(record: unknown): { recordId?: string } {
  const recordId = displayableRecordId(record);
  return recordId === undefined ? {} : { recordId };
}

// A best-effort recordId for a line that is not JSON, so the sender can tell which record it was.
const RECORD_ID_IN_TEXT = /"recordId"\s*:\s*"([^"\\]{1,64})"/;

const NEWLINE = 0x0a;

/** JSON's insignificant whitespace (and the CR of CRLF line ends) around a line. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

/**
 * NDJSON is read line by line as bytes: each record keeps its line, trimmed, as its `text`, so that the
 * log stores what the agency sent without writing the record out again.
 */
function readNdjsonBody(body: Buffer, visit: (entry: ParsedEntry) => void): number {
  if (!isUtf8(body)) throw new BatchBodyError(400, 'invalid-json', NOT_UTF8);
  let count = 0;
  let start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0; // a BOM
  for (let lineIndex = 0; start < body.length; lineIndex++) {
    const newline = body.indexOf(NEWLINE, start);
    let end = newline === -1 ? body.length : newline;
    let first = start;
    start = end + 1;
    while (first < end && isSpace(body[first])) first++;
    while (end > first && isSpace(body[end - 1])) end--;
    if (first === end) continue;
    const index = count;
    if (index === MAX_BATCH_FILE_RECORDS) throw tooMany(MAX_BATCH_FILE_RECORDS, 'NDJSON');
    count++;
    const text = body.subarray(first, end);
    if (text.length > MAX_RECORD_SIZE) {
      visit({ index, error: { path: '', code: 'record-too-large', message: `line ${lineIndex + 1} is ${text.length.toLocaleString('en-US')} bytes; a record may be at most ${MAX_RECORD_SIZE.toLocaleString('en-US')}` } });
      continue;
    }
    const line = text.toString('utf8');
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      visit({
        index,
        ...recordIdIn({ recordId: RECORD_ID_IN_TEXT.exec(line)?.[1] }),
        error: { path: '', code: 'invalid-json', message: `line ${lineIndex + 1} is not valid JSON: ${(error as Error).message}` },
      });
      continue;
    }
    const fault = shapeFault(record, MAX_RECORD_NESTING);
    if (fault) {
      visit({ index, ...recordIdIn(record), error: { path: '', code: fault.code, message: `the record ${fault.message}` } });
      continue;
    }
    visit({ index, record, text });
  }
  if (count === 0) throw emptyBatch();
  return count;
}

// ---------------------------------------------------------------------------------------------------- CSV

/** A CSV header compiled once: each column's path, and whether a row needs its arrays compacted. */
export interface CsvLayout {
  readonly names: readonly string[];
  readonly columns: readonly CsvColumn[];
  readonly hasArrays: boolean;
  /** Column of `recordId`, to name rows that cannot be read. */
  readonly recordIdColumn: number;
}

interface CsvColumn {
  readonly segments: readonly (string | number)[];
  /** For each segment but the last: does the container it opens hold an array (next segment is an index)? */
  readonly opensArray: readonly boolean[];
}

type TrieNode = { kind: 'leaf' } | { kind: 'object' | 'array'; children: Map<string | number, TrieNode> };

const INDEX_SEGMENT = /^(0|[1-9]\d{0,3})$/;
const DIGITS = /^\d+$/;

function headerError(message: string): BatchBodyError {
  return new BatchBodyError(400, 'invalid-csv', `CSV header: ${message}`);
}

/**
 * Compiles header names such as `person.citizenId` or `children.0.sex`: a numeric segment makes its parent
 * an array. Rejects names that clash (`person` beside `person.name`, `children.0` beside `children.name`).
 */
export function compileCsvHeader(header: readonly string[]): CsvLayout {
  const root: TrieNode = { kind: 'object', children: new Map() };
  if (header.length > MAX_CSV_COLUMNS) throw headerError(`${header.length} columns; at most ${MAX_CSV_COLUMNS} are accepted`);
  const names = header.map((name) => name.trim());
  let hasArrays = false;
  const columns = names.map((name, columnIndex): CsvColumn => {
    if (name === '') throw headerError(`column ${columnIndex + 1} has no name`);
    const segments = name.split('.').map((segment): string | number => {
      if (segment === '') throw headerError(`'${name}' has an empty segment`);
      if (DIGITS.test(segment)) {
        if (!INDEX_SEGMENT.test(segment)) throw headerError(`'${name}': '${segment}' is not an array index from 0 to 9999`);
        return Number(segment);
      }
      // Keys such as __proto__ or toString would reach Object.prototype through plain objects.
      if (segment in Object.prototype) throw headerError(`'${name}': '${segment}' is not allowed as a field name`);
      return segment;
    });
    if (segments.length > MAX_RECORD_NESTING) throw headerError(`'${name.slice(0, 200)}' nests more than ${MAX_RECORD_NESTING} levels deep`);
    if (typeof segments[0] === 'number') throw headerError(`'${name}' starts with an index; the record itself is an object`);
    const opensArray = segments.slice(1).map((segment) => typeof segment === 'number');
    if (opensArray.includes(true)) hasArrays = true;

    let node: TrieNode = root as TrieNode;
    segments.forEach((segment, i) => {
      if (node.kind === 'leaf') throw headerError(`'${name}' is inside '${segments.slice(0, i).join('.')}', which is also a column`);
      const isLast = i === segments.length - 1;
      let child = node.children.get(segment);
      if (child === undefined) {
        child = isLast ? { kind: 'leaf' } : { kind: opensArray[i] ? 'array' : 'object', children: new Map() };
        node.children.set(segment, child);
      } else if (isLast) {
        throw headerError(child.kind === 'leaf' ? `'${name}' appears twice` : `'${name}' is also the parent of other columns`);
      } else if (child.kind !== 'leaf' && (child.kind === 'array') !== opensArray[i]) {
        throw headerError(`'${segments.slice(0, i + 1).join('.')}' is used both as a list (numeric segment) and as an object`);
      }
      node = child;
    });
    return { segments, opensArray };
  });
  return { names, columns, hasArrays, recordIdColumn: names.indexOf('recordId') };
}

function compact(value: unknown): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    // for…of visits holes as undefined; a cell value is never undefined, so this drops exactly the holes.
    for (const item of value) if (item !== undefined) out.push(compact(item));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const key in object) object[key] = compact(object[key]);
  }
  return value;
}

/**
 * One CSV row as a record: empty cells are absent, values stay strings (the validator coerces them by the
 * schema). Lists are compacted, so `children.0.*` empty and `children.1.*` filled gives a one-child list:
 * a wide sheet with room for five children must not produce holes for the ones a family does not have.
 */
export function unflattenRow(layout: CsvLayout, row: readonly string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  const columns = layout.columns;
  for (let c = 0; c < columns.length; c++) {
    const value = row[c];
    if (value === undefined || value === '') continue;
    const { segments, opensArray } = columns[c];
    let container = record as Record<string | number, unknown>;
    const last = segments.length - 1;
    for (let i = 0; i < last; i++) {
      const key = segments[i];
      let next = container[key] as Record<string | number, unknown> | undefined;
      if (next === undefined) {
        next = opensArray[i] ? ([] as unknown as Record<number, unknown>) : {};
        container[key] = next;
      }
      container = next;
    }
    container[segments[last]] = value;
  }
  return layout.hasArrays ? (compact(record) as Record<string, unknown>) : record;
}

/** A row whose field count differs from the header's is not guessed at: the record is rejected on its own. */
export function fieldCountIssue(layout: CsvLayout, row: readonly string[], line: number): RecordIssue | undefined {
  if (row.length === layout.columns.length) return undefined;
  return {
    path: '',
    code: 'csv-field-count',
    message: `line ${line} has ${row.length} fields, the header has ${layout.columns.length}`,
  };
}

export const CSV_PARSE_OPTIONS = {
  bom: true,
  skip_empty_lines: true,
  relax_column_count: true,
  // Files edited on Windows often mix line endings; detecting only the first one would fail on the next.
  record_delimiter: ['\r\n', '\n'],
  // A cell larger than a whole record can be is refused before it is read to its end.
  max_record_size: MAX_RECORD_SIZE,
} as const;

/** A csv-parse error (its sync and stream bundles each have their own CsvError class, so not instanceof). */
export function isCsvError(error: unknown): error is Error & { code: string; lines?: number } {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^(CSV_|INVALID_)/.test(code);
}

export function csvErrorMessage(error: Error & { lines?: number }): string {
  return `CSV is malformed${error.lines ? ` at line ${error.lines}` : ''}: ${error.message}`;
}

/** Turns a CSV body's rows into entries: the first row is the header, then one entry a data row. */
class CsvEntries {
  count = 0;
  private layout?: CsvLayout;

  constructor(private readonly visit: (entry: ParsedEntry) => void) {}

  add(row: string[], line: number): void {
    if (this.layout === undefined) {
      this.layout = compileCsvHeader(row);
      return;
    }
    const index = this.count;
    if (index === MAX_BATCH_FILE_RECORDS) throw tooMany(MAX_BATCH_FILE_RECORDS, 'CSV');
    this.count++;
    const issue = fieldCountIssue(this.layout, row, line);
    if (issue) {
      const recordId = this.layout.recordIdColumn >= 0 ? row[this.layout.recordIdColumn] : undefined;
      this.visit({ index, ...recordIdIn({ recordId: recordId || undefined }), error: issue });
    } else {
      this.visit({ index, record: unflattenRow(this.layout, row) });
    }
  }
}

/** A CSV body's entries, read by csv-parse row by row. */
function readCsvBody(body: Buffer, visit: (entry: ParsedEntry) => void): number {
  const entries = new CsvEntries(visit);
  try {
    parseCsvSync(decode(body, 'invalid-csv'), {
      ...CSV_PARSE_OPTIONS,
      record_delimiter: [...CSV_PARSE_OPTIONS.record_delimiter],
      // Entries are handed on while parsing; returning null keeps csv-parse from keeping the rows.
      on_record: (row: string[], context) => {
        entries.add(row, context.lines);
        return null;
      },
    });
  } catch (error) {
    if (error instanceof BatchBodyError) throw error;
    if (isCsvError(error)) throw new BatchBodyError(400, 'invalid-csv', csvErrorMessage(error));
    throw error;
  }
  if (entries.count === 0) throw emptyBatch();
  return entries.count;
}

// ------------------------------------------------------------------------------------------------ writing

/**
 * A record as dotted columns (`person.citizenId`, `children.0.sex`), the inverse of the CSV reading above.
 * Scalars become strings; null, undefined, empty lists and empty objects leave no column, as CSV has no
 * way to say them.
 */
export function flattenRecord(record: unknown): Record<string, string> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(`a record to flatten must be an object, not ${describe(record)}`);
  }
  const out: Record<string, string> = {};
  const visit = (value: unknown, prefix: string): void => {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) visit(value[i], `${prefix}.${i}`);
      } else {
        for (const key of Object.keys(value)) visit((value as Record<string, unknown>)[key], prefix ? `${prefix}.${key}` : key);
      }
      return;
    }
    out[prefix] = String(value);
  };
  visit(record, '');
  return out;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line (without its terminator) from field values. */
export function toCsvRow(fields: readonly string[]): string {
  let line = '';
  for (let i = 0; i < fields.length; i++) line += (i === 0 ? '' : ',') + csvField(fields[i]);
  return line;
}

/** Records as a CSV document: the header is the union of their flattened columns, in order of first use. */
export function toCsv(records: readonly unknown[]): string {
  const flat = records.map(flattenRecord);
  const columns = new Map<string, number>();
  for (const row of flat) for (const key of Object.keys(row)) if (!columns.has(key)) columns.set(key, columns.size);
  const names = [...columns.keys()];
  const lines = [toCsvRow(names)];
  for (const row of flat) lines.push(toCsvRow(names.map((name) => row[name] ?? '')));
  return lines.join('\r\n') + '\r\n';
}
