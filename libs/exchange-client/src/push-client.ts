import { createReadStream } from 'node:fs';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseCsvStream, type Options as CsvOptions } from 'csv-parse';
import { KIND_PATH, MAX_BATCH_FILE_RECORDS, MAX_JSON_RECORDS, type RecordIssue, type RecordKind } from '@sanxian/contracts/light';
import {
  CONTENT_TYPES,
  CSV_PARSE_OPTIONS,
  compileCsvHeader,
  csvErrorMessage,
  fieldCountIssue,
  isCsvError,
  signedHeaders,
  toCsv,
  unflattenRow,
  type BatchFormat,
  type CsvLayout,
} from '@sanxian/exchange';
import { safeCsv, visibleJson } from '@sanxian/domain';

/**
 * The agency-side client of exchange contract v1: streams a .json, .ndjson or .csv file, sends it in signed
 * batches with a few requests in flight, retries what the hub asks to be retried, and writes rejected
 * records to a side file. Used by integrators, by `sanxian push`, by the benchmark and by the demo.
 */
export interface PushOptions {
  kind: RecordKind;
  file: string;
  /** Base URL of the hub, e.g. http://127.0.0.1:3000 (a path prefix is kept). */
  url: string;
  clientId: string;
  secret: string;
  /** Records a request; default 1,000. At most 1,000 for json, 100,000 for ndjson and csv. */
  batchSize?: number;
  /** Requests in flight; default 4. */
  concurrency?: number;
  /** Body format to send. Default ndjson, except csv for a .csv file (its values are strings, which the hub coerces only in CSV). */
  format?: BatchFormat;
  /**
   * Where rejected records go: NDJSON, or CSV for a name ending in .csv (for a spreadsheet: no cell is a formula);
   * default `<file>.rejections.ndjson`, created only when there are rejections.
   */
  rejectionsFile?: string;
  /** Called after each batch is answered; `total` is an estimate (known up front only when progress is asked for). */
  onProgress?: (done: number, total?: number) => void;
  /** Retries of one batch after 429/502/503/504 or a network error; default 6 (about half a minute of backoff when the hub gives no Retry-After). */
  maxRetries?: number;
  /** First backoff delay when the hub gives no Retry-After; doubles each retry up to 30 s. Default 500 ms. */
  retryBaseMs?: number;
  /** Time allowed for one request; default 300 s (a 100,000-record batch is stored before the hub answers). */
  requestTimeoutMs?: number;
  /**
   * Replaying history (a migration, the demo): the file is in `reportedAt` order; each batch
   * holds one reporting day and is signed at its latest `reportedAt`, which a hub running with
   * REPLAY_RECEIPT_TIMES keeps as the receipt time. A record without `reportedAt` counts as
   * reported at the end of its event day.
   */
  replay?: boolean;
  /**
   * What the delivery is, sent as `?load=` (signed with the path): the registry's initial load
   * or a history import, which the hub never counts as late. The regular flow when absent.
   */
  load?: 'initial' | 'history';
}

export interface PushSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Records answered by the hub (accepted + duplicates + rejected). */
  records: number;
  /** HTTP requests made, retries included. */
  requests: number;
  retries: number;
  /** Duration of each successful (202) request, in completion order. */
  latenciesMs: number[];
  elapsedMs: number;
  /** Set when rejections were written. */
  rejectionsFile?: string;
}

/** A push that stopped: the message says why; `summary` counts what the hub had answered before. */
export class PushError extends Error {
  constructor(
    message: string,
    readonly summary: PushSummary,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PushError';
  }
}

/** One batch the hub refused for good (4xx other than 429), or could not take after all retries. */
class BatchFailure extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

interface BatchResult {
  index: number;
  recordId?: string;
  status: 'accepted' | 'duplicate' | 'rejected';
  messageId?: string;
  errors?: RecordIssue[];
  warnings?: RecordIssue[];
}

interface BatchResponse {
  batchId: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: BatchResult[];
}

const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_RETRIES = 6;
const DEFAULT_RETRY_BASE_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const MAX_RETRY_AFTER_MS = 300_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

// ------------------------------------------------------------------------------------------------- reading

type InputFormat = 'json' | 'ndjson' | 'csv';

function inputFormat(file: string): InputFormat {
  switch (extname(file).toLowerCase()) {
    case '.json':
      return 'json';
    case '.ndjson':
    case '.jsonl':
      return 'ndjson';
    case '.csv':
      return 'csv';
    default:
      throw new Error(`${file}: cannot tell the format from the file name; use .json, .ndjson (or .jsonl) or .csv`);
  }
}

/**
 * The records of a file: .json (`{"records": […]}` or a bare array, read whole), .ndjson (streamed line by
 * line) or .csv (streamed, unflattened like a CSV body: dotted columns, empty cells absent, values strings).
 */
/** The headers of a signed JSON POST to the exchange API (a body sent as it was signed). */
export function signedJsonPost(client: { clientId: string; secret: string }, path: string, body: Buffer): Record<string, string> {
  return {
    ...signedHeaders({ clientId: client.clientId, secret: client.secret, method: 'POST', pathWithQuery: path, body }),
    'Content-Type': 'application/json',
    Accept: 'application/json, application/problem+json',
  };
}

export async function* readRecords(file: string): AsyncGenerator<unknown> {
  switch (inputFormat(file)) {
    case 'json':
      yield* await readJsonFile(file);
      return;
    case 'ndjson':
      yield* readNdjsonFile(file);
      return;
    case 'csv':
      yield* readCsvFile(file);
      return;
  }
}

function isBlankLine(data: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const byte = data[i];
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
  }
  return true;
}

/**
 * An NDJSON file as NDJSON bodies of `batchSize` records (non-blank lines) each, cut from the file's bytes as
 * they are: neither decoded, parsed nor copied line by line (a leading BOM is dropped). The hub checks each
 * line and rejects what is not a record, with its index, so a broken line costs that record only. Blank
 * lines travel along; the hub skips them as it counts.
 */
export async function* readNdjsonBodies(file: string, batchSize: number): AsyncGenerator<{ body: Buffer; records: number }> {
  let parts: Buffer[] = []; // the body so far, from earlier chunks
  let records = 0;
  let atStart = true;
  let rest: Buffer = Buffer.alloc(0); // a line begun in the previous chunk
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    if (atStart) {
      if (data.length < 3) {
        rest = data;
        continue;
      }
      if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) data = data.subarray(3);
      atStart = false;
    }
    let bodyStart = 0; // where this chunk's part of the current body begins
    let lineStart = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, lineStart)) {
      if (!isBlankLine(data, lineStart, newline)) records++;
      lineStart = newline + 1;
      if (records === batchSize) {
        parts.push(data.subarray(bodyStart, lineStart));
        yield { body: parts.length === 1 ? parts[0] : Buffer.concat(parts), records };
        parts = [];
        records = 0;
        bodyStart = lineStart;
      }
    }
    if (lineStart > bodyStart) parts.push(data.subarray(bodyStart, lineStart));
    rest = data.subarray(lineStart);
  }
  if (!isBlankLine(rest, 0, rest.length)) {
    parts.push(rest);
    records++;
  }
  if (records > 0) yield { body: Buffer.concat(parts), records };
}

async function readJsonFile(file: string): Promise<unknown[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code) throw error;
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(parsed)) return parsed;
  const records = parsed !== null && typeof parsed === 'object' ? (parsed as { records?: unknown }).records : undefined;
  if (!Array.isArray(records)) throw new Error(`${file}: expected {"records": [ … ]} or an array of records`);
  return records;
}

async function* readNdjsonFile(file: string): AsyncGenerator<unknown> {
  // Split the byte stream ourselves: pulling chunks from the generator keeps memory flat for any file size.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let lineNumber = 0;
  const parseLine = (line: string): { value: unknown } | undefined => {
    lineNumber++;
    if (lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.trim() === '') return undefined;
    try {
      return { value: JSON.parse(line) };
    } catch (error) {
      throw new Error(`${file}:${lineNumber}: not valid JSON: ${(error as Error).message}`);
    }
  };
  for await (const chunk of createReadStream(file)) {
    const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const parsed = parseLine(line);
      if (parsed) yield parsed.value;
    }
  }
  const parsed = parseLine(rest + decoder.end());
  if (parsed) yield parsed.value;
}

async function* readCsvFile(file: string): AsyncGenerator<unknown> {
  const input = createReadStream(file);
  const parser = parseCsvStream({
    ...CSV_PARSE_OPTIONS,
    record_delimiter: [...CSV_PARSE_OPTIONS.record_delimiter],
    // Keep each row's line number, to point at the line of a row that cannot be read.
    on_record: ((row: string[], context: { lines: number }) => ({ row, line: context.lines })) as unknown as CsvOptions['on_record'],
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  let layout: CsvLayout | undefined;
  try {
    for await (const { row, line } of parser as AsyncIterable<{ row: string[]; line: number }>) {
      if (layout === undefined) {
        try {
          layout = compileCsvHeader(row);
        } catch (error) {
          throw new Error(`${file}: ${(error as Error).message}`);
        }
        continue;
      }
      const issue = fieldCountIssue(layout, row, line);
      if (issue) throw new Error(`${file}: ${issue.message}`);
      yield unflattenRow(layout, row);
    }
  } catch (error) {
    if (isCsvError(error)) throw new Error(`${file}: ${csvErrorMessage(error)}`);
    throw error;
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Non-blank lines, counted as they will be sent (see readNdjsonBodies). */
async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const { records } of readNdjsonBodies(file, 10_000)) count += records;
  return count;
}

async function estimateRecords(file: string): Promise<number | undefined> {
  try {
    switch (inputFormat(file)) {
      case 'json':
        return undefined;
      case 'ndjson':
        return await countLines(file);
      case 'csv':
        // Header excluded; quoted line breaks make this an overestimate, which progress can live with.
        return Math.max(0, (await countLines(file)) - 1);
    }
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------- sending

function encodeBatch(format: BatchFormat, records: readonly unknown[]): Buffer {
  switch (format) {
    case 'json':
      return Buffer.from(JSON.stringify({ records }));
    case 'ndjson': {
      let text = '';
      for (const record of records) text += JSON.stringify(record) + '\n';
      return Buffer.from(text);
    }
    case 'csv':
      return Buffer.from(toCsv(records));
  }
}

/** Retry-After in seconds or as an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/** Exponential backoff with full jitter: senders that failed together do not come back together. */
function backoffMs(attempt: number, baseMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseMs * 2 ** attempt);
  return Math.random() * ceiling;
}

async function describeRefusal(response: Response): Promise<string> {
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const text = await response.text().catch(() => '');
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown; code?: unknown };
    const parts = [problem.title, problem.detail].filter((part): part is string => typeof part === 'string' && part !== '');
    if (parts.length > 0) return `${status}: ${parts.join(' — ')}${typeof problem.code === 'string' ? ` (${problem.code})` : ''}`;
  } catch {
    // Not a problem document (a proxy's HTML page, say): show the start of it.
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return excerpt ? `${status}: ${excerpt}` : status;
}

function isBatchResponse(value: unknown, size: number): value is BatchResponse {
  if (value === null || typeof value !== 'object') return false;
  const body = value as Partial<BatchResponse>;
  return (
    typeof body.accepted === 'number' &&
    typeof body.duplicates === 'number' &&
    typeof body.rejected === 'number' &&
    body.accepted + body.duplicates + body.rejected === size &&
    Array.isArray(body.results) &&
    body.results.length === size
  );
}

interface Rejection {
  recordId: string | null;
  index: number;
  errors: RecordIssue[];
}

/**
 * Appends rejected records to a file opened on first use, one write at a time though batches finish
 * concurrently. The hub echoes what the agency sent (record ids, values in messages), so the file shows
 * every invisible character and, as CSV, has no cell a spreadsheet would run (the writers of domain/export-text).
 */
class RejectionsWriter {
  private handle?: Promise<FileHandle>;
  private queue: Promise<void> = Promise.resolve();
  private readonly csv: boolean;
  written = false;

  constructor(readonly path: string) {
    this.csv = extname(path).toLowerCase() === '.csv';
  }

  write(rejections: Rejection[]): Promise<void> {
    if (!rejections.length) return this.queue;
    const first = !this.handle;
    this.handle ??= open(this.path, 'w');
    this.written = true;
    const handle = this.handle;
    const bytes = this.csv
      ? safeCsv([
        ...(first ? [['recordId', 'index', 'errors']] : []),
        ...rejections.map((r) => [r.recordId, r.index, r.errors.map((e) => `${e.path} ${e.code}: ${e.message}`).join('; ')]),
      ], { bom: first })
      : rejections.map((r) => `${visibleJson(r)}\n`).join('');
    this.queue = this.queue.then(async () => {
      await (await handle).appendFile(bytes);
    });
    return this.queue;
  }

  async close(): Promise<void> {
    if (!this.handle) return;
    await this.queue.catch(() => undefined);
    await (await this.handle).close();
  }
}

function endpoint(base: string, kind: RecordKind): URL {
  return exchangeUrl(base, KIND_PATH[kind]);
}

/** The hub's URL for `path` under /v1/exchange/, from its base URL (a path prefix is kept). */
function exchangeUrl(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`'${base}' is not a URL; give the hub's base URL, e.g. http://127.0.0.1:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`'${base}' is not an http(s) URL`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/exchange/${path}`;
  url.search = '';
  url.hash = '';
  return url;
}

export interface LoadCompletionOptions {
  url: string;
  clientId: string;
  secret: string;
  /** What was loaded, for the hub's log (at most 200 characters). */
  note?: string;
  /** Retries after 429/502/503/504 or a network error; default 6. */
  maxRetries?: number;
  retryBaseMs?: number;
}

/** The hub's answer: whether an open load was ended, and that load (or the last one ended before). */
export interface LoadCompletionResult {
  completed: boolean;
  load: { loads: string[]; openedAt: string; lastDeliveryAt: string; endedAt: string; batches: number; records: number } | null;
}

/**
 * Declares the client's bulk load (its deliveries sent with `load`) complete, so that the hub reconciles it
 * now rather than after its quiet time. Safe to repeat: a second call ends nothing and says so.
 */
export async function completeLoad(options: LoadCompletionOptions): Promise<LoadCompletionResult> {
  const url = exchangeUrl(options.url, 'loads/complete');
  const body = Buffer.from(JSON.stringify(options.note === undefined ? {} : { note: options.note }));
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  for (let attempt = 0; ; attempt++) {
    const headers = signedJsonPost(options, url.pathname, body);
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(DEFAULT_REQUEST_TIMEOUT_MS) });
    } catch (error) {
      if (attempt < maxRetries) {
        await sleep(backoffMs(attempt, options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS));
        continue;
      }
      throw new Error(`could not reach the hub at ${url.origin}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (response.status === 200) return (await response.json()) as LoadCompletionResult;
    if (RETRYABLE_STATUS.has(response.status) && attempt < maxRetries) {
      await response.body?.cancel();
      await sleep(retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS));
      continue;
    }
    throw new Error(`the hub refused to complete the load: ${await describeRefusal(response)}`);
  }
}

function positiveInteger(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max.toLocaleString('en-US')}, not ${value}`);
  return value;
}

/** When the agency reported a record: its `reportedAt`, else the end of its event day in China. */
export function reportedAt(record: unknown): Date {
  const r = (record ?? {}) as { reportedAt?: unknown; eventDate?: unknown };
  const time = typeof r.reportedAt === 'string' ? Date.parse(r.reportedAt) : NaN;
  if (Number.isFinite(time)) return new Date(time);
  const day = typeof r.eventDate === 'string' ? Date.parse(`${r.eventDate}T23:59:59+08:00`) : NaN;
  return new Date(Number.isFinite(day) ? day : Date.now());
}

/**
 * For a replay: a copy of an NDJSON file beside it (`*.by-report.ndjson`) in the order its records
 * were reported. The file is read whole: replays are of one county's year, not of streams.
 */
export async function sortedByReport(file: string): Promise<string> {
  const lines: { at: number; line: string }[] = [];
  for await (const line of createInterface({ input: createReadStream(file) })) {
    if (line.trim()) lines.push({ at: reportedAt(JSON.parse(line)).getTime(), line });
  }
  lines.sort((a, b) => a.at - b.at);
  const sorted = file.replace(/\.ndjson$/, '') + '.by-report.ndjson';
  await writeFile(sorted, lines.map(({ line }) => line + '\n').join(''));
  return sorted;
}

function reportingDay(record: unknown): string {
  return new Date(reportedAt(record).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

export async function pushFile(options: PushOptions): Promise<PushSummary> {
  const started = performance.now();
  const input = inputFormat(options.file);
  const format: BatchFormat = options.format ?? (input === 'csv' ? 'csv' : 'ndjson');
  const batchLimit = format === 'json' ? MAX_JSON_RECORDS : MAX_BATCH_FILE_RECORDS;
  const batchSize = positiveInteger('batchSize', options.batchSize ?? Math.min(DEFAULT_BATCH_SIZE, batchLimit), batchLimit);
  const concurrency = positiveInteger('concurrency', options.concurrency ?? DEFAULT_CONCURRENCY, 1000);
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const url = endpoint(options.url, options.kind);
  if (options.load !== undefined) url.searchParams.set('load', options.load);
  const pathWithQuery = url.pathname + url.search;
  const rejections = new RejectionsWriter(options.rejectionsFile ?? `${options.file}.rejections.ndjson`);

  const summary: PushSummary = { accepted: 0, duplicates: 0, rejected: 0, records: 0, requests: 0, retries: 0, latenciesMs: [], elapsedMs: 0 };
  const total = options.onProgress ? await estimateRecords(options.file) : undefined;

  async function send(body: Buffer, size: number, first: number, signedAt?: Date): Promise<BatchResponse> {
    const range = `records ${first + 1}–${first + size}`;
    for (let attempt = 0; ; attempt++) {
      const headers = {
        ...signedHeaders({ clientId: options.clientId, secret: options.secret, method: 'POST', pathWithQuery, body, now: signedAt }),
        'Content-Type': CONTENT_TYPES[format],
        Accept: 'application/json, application/problem+json',
      };
      summary.requests++;
      if (attempt > 0) summary.retries++;
      const sentAt = performance.now();
      let response: Response;
      let text: string | undefined;
      try {
        response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        if (response.status === 202) text = await response.text();
      } catch (error) {
        // Refused connection, reset, timeout: the hub may or may not have stored the batch; recordId makes resending safe.
        if (attempt < maxRetries) {
          await sleep(backoffMs(attempt, retryBaseMs));
          continue;
        }
        const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new BatchFailure(`could not reach the hub at ${url.origin} (${range}, ${attempt + 1} attempts): ${reason}`, undefined, { cause: error });
      }
      if (text !== undefined) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new BatchFailure(`the hub answered 202 with a body that is not JSON (${range})`, 202);
        }
        if (!isBatchResponse(parsed, size)) {
          throw new BatchFailure(`the hub's 202 answer does not account for the ${size} records sent (${range})`, 202);
        }
        summary.latenciesMs.push(performance.now() - sentAt);
        return parsed;
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < maxRetries) {
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(attempt, retryBaseMs);
        await response.arrayBuffer().catch(() => undefined);
        await sleep(wait);
        continue;
      }
      const why = await describeRefusal(response);
      const after = RETRYABLE_STATUS.has(response.status) ? ` after ${attempt + 1} attempts` : '';
      throw new BatchFailure(`the hub refused ${range}${after} with ${why}`, response.status);
    }
  }

  let done = 0;
  // NDJSON file to NDJSON bodies: lines go as they are (see readNdjsonBodies). Replaying reads each record's report time.
  const asRead = input === 'ndjson' && format === 'ndjson' && !options.replay;

  /** Sends one batch: records to encode, or (NDJSON sent as read) a body of `size` records. */
  async function runBatch(batch: unknown[] | { body: Buffer; records: number }, first: number): Promise<void> {
    const signedAt = options.replay && Array.isArray(batch) ? new Date(Math.max(...batch.map((r) => reportedAt(r).getTime()))) : undefined;
    const body = Array.isArray(batch) ? encodeBatch(format, batch) : batch.body;
    const size = Array.isArray(batch) ? batch.length : batch.records;
    const answer = await send(body, size, first, signedAt);
    summary.accepted += answer.accepted;
    summary.duplicates += answer.duplicates;
    summary.rejected += answer.rejected;
    summary.records += size;
    const rejected: Rejection[] = [];
    for (const result of answer.results) {
      if (result.status === 'rejected') rejected.push({ recordId: result.recordId ?? null, index: first + result.index, errors: result.errors ?? [] });
    }
    await rejections.write(rejected);
    done += size;
    options.onProgress?.(done, total === undefined ? undefined : Math.max(total, done));
  }

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const dispatch = async (batch: Parameters<typeof runBatch>[0], first: number): Promise<void> => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) return;
    const running: Promise<void> = runBatch(batch, first)
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  };

  let read = 0;
  try {
    if (asRead) {
      for await (const prepared of readNdjsonBodies(options.file, batchSize)) {
        await dispatch(prepared, read);
        read += prepared.records;
        if (failure) break;
      }
    } else {
      let batch: unknown[] = [];
      for await (const record of readRecords(options.file)) {
        // Replaying: a new reporting day starts a new batch, so each is received on its own day.
        if (options.replay && batch.length > 0 && reportingDay(batch[batch.length - 1]) !== reportingDay(record)) {
          await dispatch(batch, read);
          read += batch.length;
          batch = [];
          if (failure) break;
        }
        batch.push(record);
        if (batch.length === batchSize) {
          await dispatch(batch, read);
          read += batch.length;
          batch = [];
          if (failure) break;
        }
      }
      if (batch.length > 0 && !failure) await dispatch(batch, read);
    }
  } catch (error) {
    failure ??= error;
  }
  await Promise.all(inFlight);
  await rejections.close();

  if (rejections.written) summary.rejectionsFile = rejections.path;
  summary.elapsedMs = performance.now() - started;
  if (failure) {
    const error = failure as Error;
    throw new PushError(error.message ?? String(failure), summary, error instanceof BatchFailure ? error.status : undefined, { cause: failure });
  }
  return summary;
}
