import { once } from 'node:events';
import { parse } from 'csv-parse/sync';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NONCE_PATTERN, checkTimestamp, formatForContentType, parseBatchBody, toCsv, verifySignature, type BatchFormat } from '@sanxian/exchange';
import { PushError, pushFile, readNdjsonBodies, readRecords, retryAfterMs, sortedByReport } from './push-client';

const CLIENT = 'hosp-01';
const SECRET = 'secret-of-县医院';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'push-client-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function collect(path: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of readRecords(path)) out.push(record);
  return out;
}

describe('readNdjsonBodies', () => {
  it('cuts a file larger than its read chunks into bodies of N records, as the bytes are, blank lines and all', async () => {
    const lines = Array.from({ length: 9000 }, (_, i) => JSON.stringify({ recordId: `R${i}`, name: '欧阳'.repeat(i % 80) }));
    const text = lines.map((line, i) => line + (i % 11 === 0 ? '\r\n \n' : '\n')).join('') + '{"recordId":"last"}'; // no final newline
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * (1 << 20));
    const bodies: { body: Buffer; records: number }[] = [];
    for await (const body of readNdjsonBodies(file('bodies.ndjson', '\uFEFF' + text), 2000)) bodies.push(body);
    expect(bodies.map((b) => b.records)).toEqual([2000, 2000, 2000, 2000, 1001]);
    expect(Buffer.concat(bodies.map((b) => b.body)).toString('utf8')).toBe(text); // the BOM dropped, nothing else
    // Each body holds exactly its records, as the hub will count them.
    for (const { body, records } of bodies) expect(parseBatchBody('ndjson', body)).toHaveLength(records);
  });

  it('yields nothing for a file of blank lines', async () => {
    const bodies = [];
    for await (const body of readNdjsonBodies(file('blank.ndjson', '\n \r\n\n'), 10)) bodies.push(body);
    expect(bodies).toEqual([]);
  });
});

describe('readRecords', () => {
  it('reads a .json file with {"records": [...]} or a bare array', async () => {
    expect(await collect(file('a.json', '\uFEFF{"records":[{"recordId":"A1"},{"recordId":"A2"}]}'))).toEqual([{ recordId: 'A1' }, { recordId: 'A2' }]);
    expect(await collect(file('b.json', '[{"recordId":"B1"}]'))).toEqual([{ recordId: 'B1' }]);
  });

  it('refuses a .json file of another shape, or not JSON', async () => {
    await expect(collect(file('c.json', '{"items":[]}'))).rejects.toThrow('{"records": [ … ]}');
    await expect(collect(file('d.json', '{"records":['))).rejects.toThrow(/d\.json: not valid JSON/);
  });

  it('streams a large .ndjson file, across chunk boundaries inside multi-byte characters, with CRLF and blank lines', async () => {
    const expected = Array.from({ length: 5000 }, (_, i) => ({ recordId: `N${i}`, mother: { name: `王秀英${i}` }, note: '县'.repeat(i % 40) }));
    const text = '\uFEFF' + expected.map((r, i) => JSON.stringify(r) + (i % 7 === 0 ? '\r\n\r\n' : '\n')).join('');
    expect(Buffer.byteLength(text)).toBeGreaterThan(3 * 65536);
    expect(await collect(file('big.ndjson', text))).toEqual(expected);
    expect(await collect(file('no-final-newline.ndjson', '{"a":1}\n{"a":2}'))).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the file and line of an .ndjson line that is not JSON', async () => {
    await expect(collect(file('bad.ndjson', '{"a":1}\n\n{"a":\n'))).rejects.toThrow(/bad\.ndjson:3: not valid JSON/);
  });

  it('streams a .csv file, unflattened like a CSV body, values as strings', async () => {
    const csv = '\uFEFFrecordId,woman.name,children.0.sex,children.0.birthOrder,children.1.sex,children.1.birthOrder,note\r\n' +
      'R1,刘芳,F,1,M,2,"东街, 3号"\r\nR2,陈静,,,F,1,\n';
    expect(await collect(file('cards.csv', csv))).toEqual([
      { recordId: 'R1', woman: { name: '刘芳' }, children: [{ sex: 'F', birthOrder: '1' }, { sex: 'M', birthOrder: '2' }], note: '东街, 3号' },
      { recordId: 'R2', woman: { name: '陈静' }, children: [{ sex: 'F', birthOrder: '1' }] },
    ]);
  });

  it('stops on a .csv row it cannot read, naming the line', async () => {
    await expect(collect(file('short.csv', 'recordId,name\nA1,x\nA2\n'))).rejects.toThrow(/short\.csv: line 3 has 1 fields, the header has 2/);
    await expect(collect(file('quote.csv', 'recordId,name\nA1,"x\n'))).rejects.toThrow(/quote\.csv: CSV is malformed/);
    await expect(collect(file('dup.csv', 'recordId,recordId\nA1,x\n'))).rejects.toThrow(/dup\.csv: CSV header: 'recordId' appears twice/);
  });

  it('refuses a file name without a known extension, and a missing file', async () => {
    await expect(collect(file('records.txt', '{}'))).rejects.toThrow(/\.json, \.ndjson .*\.csv/);
    await expect(collect(join(dir, 'missing.ndjson'))).rejects.toThrow(/ENOENT/);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs(' 3 ')).toBe(3000);
    expect(retryAfterMs('Sat, 28 Nov 2026 12:00:10 GMT', Date.UTC(2026, 10, 28, 12))).toBe(10_000);
    expect(retryAfterMs('Sat, 28 Nov 2026 11:00:00 GMT', Date.UTC(2026, 10, 28, 12))).toBe(0);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});

/** A tiny hub speaking the contract: checks the signature, parses the body, answers 202 or a problem. */
interface FakeHub {
  url: string;
  requests: { path: string; format?: BatchFormat; records: number }[];
  /** What the next requests get instead of a 202, in order. */
  faults: ('503' | '429' | 'drop' | '400')[];
  seen: Map<string, string>;
  close(): Promise<void>;
}

async function startHub(): Promise<FakeHub> {
  const hub: Omit<FakeHub, 'url' | 'close'> = { requests: [], faults: [], seen: new Map() };
  let batches = 0;
  const problem = (res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/problem+json', ...headers });
    res.end(JSON.stringify({ type: `https://schemas.sanxian-hub.cn/problems/${status}`, title, status, detail }));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const header = (name: string) => String(req.headers[name] ?? '');
    const format = formatForContentType(req.headers['content-type']);
    hub.requests.push({ path: req.url ?? '', format, records: 0 });

    if (header('x-hub-client') !== CLIENT) return problem(res, 401, 'Unknown client', header('x-hub-client'));
    if (!NONCE_PATTERN.test(header('x-hub-nonce'))) return problem(res, 401, 'Bad nonce', header('x-hub-nonce'));
    if (checkTimestamp(header('x-hub-timestamp'), new Date()) !== 'ok') return problem(res, 401, 'Bad timestamp', header('x-hub-timestamp'));
    const valid = verifySignature(SECRET, header('x-hub-signature'), req.method ?? '', req.url ?? '', header('x-hub-timestamp'), header('x-hub-nonce'), body);
    if (!valid) return problem(res, 401, 'Signature mismatch', 'X-Hub-Signature does not match this request');

    const fault = hub.faults.shift();
    if (fault === 'drop') return req.socket.destroy();
    if (fault === '503') return problem(res, 503, 'Service Unavailable', 'database is not reachable', { 'Retry-After': '0' });
    if (fault === '429') return problem(res, 429, 'Too Many Requests', 'slow down', { 'Retry-After': '0' });
    if (fault === '400') return problem(res, 400, 'Unparseable body', 'the records are not what they should be');
    if (!format) return problem(res, 415, 'Unsupported Media Type', String(req.headers['content-type']));

    const entries = parseBatchBody(format, body);
    hub.requests[hub.requests.length - 1].records = entries.length;
    const counts = { accepted: 0, duplicates: 0, rejected: 0 };
    const results = entries.map((entry) => {
      if (!('record' in entry)) {
        counts.rejected++;
        return { index: entry.index, recordId: entry.recordId, status: 'rejected', errors: [entry.error] };
      }
      const record = entry.record as { recordId: string };
      if (record.recordId.startsWith('BAD') || /^[=+\-@]/.test(record.recordId)) {
        counts.rejected++;
        return {
          index: entry.index,
          recordId: record.recordId,
          status: 'rejected',
          errors: [{ path: '/mother/citizenId', code: 'citizen-id-checksum', message: 'check digit should be 7' }],
        };
      }
      const duplicate = hub.seen.has(record.recordId);
      if (!duplicate) hub.seen.set(record.recordId, JSON.stringify(record));
      counts[duplicate ? 'duplicates' : 'accepted']++;
      return { index: entry.index, recordId: record.recordId, status: duplicate ? 'duplicate' : 'accepted', messageId: `m-${record.recordId}` };
    });
    res.writeHead(202, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ batchId: `b${++batches}`, ...counts, results }));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => problem(res, 500, 'Fake hub failed', error.message));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(hub, {
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function births(count: number, bad: number[] = []): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    recordId: bad.includes(i) ? `BAD${i}` : `B${i}`,
    eventDate: '2026-11-01',
    regionCode: '110105001001',
    child: { sex: i % 2 ? 'M' : 'F', birthDate: '2026-11-01' },
    mother: { name: '王秀英', citizenId: '11010519491231002X', sex: 'F', birthDate: '1990-01-01' },
    birthOrder: 1,
  }));
}

describe('pushFile', () => {
  let hub: FakeHub;
  beforeEach(async () => {
    hub = await startHub();
  });
  afterEach(() => hub.close());

  const base = () => ({ kind: 'birth-notice' as const, url: hub.url, clientId: CLIENT, secret: SECRET, retryBaseMs: 1 });

  it('sends signed NDJSON batches, retries a 503 with Retry-After: 0, and writes the rejected record', async () => {
    const path = file('births.ndjson', births(25, [13]).map((r) => JSON.stringify(r)).join('\n'));
    hub.faults.push('503');
    const progress: [number, number | undefined][] = [];

    const summary = await pushFile({ ...base(), file: path, batchSize: 10, concurrency: 2, onProgress: (done, total) => progress.push([done, total]) });

    expect(summary).toMatchObject({ accepted: 24, duplicates: 0, rejected: 1, records: 25, requests: 4, retries: 1 });
    expect(summary.latenciesMs).toHaveLength(3);
    expect(summary.elapsedMs).toBeGreaterThan(0);
    expect(hub.requests.every((r) => r.path === '/v1/exchange/birth-notices' && r.format === 'ndjson')).toBe(true);
    expect(hub.requests.map((r) => r.records).sort((a, b) => a - b)).toEqual([0, 5, 10, 10]);

    expect(summary.rejectionsFile).toBe(`${path}.rejections.ndjson`);
    const lines = readFileSync(summary.rejectionsFile!, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual([{ recordId: 'BAD13', index: 13, errors: [{ path: '/mother/citizenId', code: 'citizen-id-checksum', message: 'check digit should be 7' }] }]);

    // Batches finish in any order with two in flight; the count only grows and ends at every record.
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
    expect(progress).toHaveLength(3);
    expect(progress[2][0]).toBe(25);
    expect(progress.every(([, total]) => total === 25)).toBe(true);
  });

  it('declares a load in the signed path: the hub verifies the signature over ?load=', async () => {
    const path = file('history.ndjson', births(3).map((r) => JSON.stringify(r)).join('\n'));
    expect(await pushFile({ ...base(), file: path, load: 'history' })).toMatchObject({ accepted: 3, rejected: 0 });
    expect(hub.requests.map((r) => r.path)).toEqual(['/v1/exchange/birth-notices?load=history']);
  });

  it('writes rejections of hostile record ids so that nothing hides (NDJSON) and no cell is a formula (CSV)', async () => {
    const ids = ["=HYPERLINK(\"http://x\",\"y\")", '@SUM(1)', 'BAD\u202Egpj.exe', 'BAD\u0007\u001B[2J'];
    const records = births(ids.length).map((r, i) => ({ ...r, recordId: ids[i] }));
    const path = file('hostile.ndjson', records.map((r) => JSON.stringify(r)).join('\n'));
    const summary = await pushFile({ ...base(), file: path });
    expect(summary).toMatchObject({ rejected: 4 });
    const text = readFileSync(summary.rejectionsFile!, 'utf8');
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u202A-\u202E]/);
    expect(text).toContain('"BAD\\u202egpj.exe"');
    // The same ids to a program that reads the file.
    expect(text.trim().split('\n').map((l) => JSON.parse(l).recordId)).toEqual(ids);

    const csvPath = join(dir, 'hostile.rejections.csv');
    await pushFile({ ...base(), file: path, rejectionsFile: csvPath, batchSize: 2 });
    const csv = readFileSync(csvPath);
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(csv.subarray(3).toString('utf8'));
    expect(rows[0]).toEqual(['recordId', 'index', 'errors']);
    expect(rows.slice(1).map((r) => r[0])).toEqual(["'=HYPERLINK(\"http://x\",\"y\")", "'@SUM(1)", 'BAD<U+202E>gpj.exe', 'BAD<U+0007><U+001B>[2J']);
    expect(rows.slice(1).map((r) => r[1])).toEqual(['0', '1', '2', '3']);
    expect(rows[1][2]).toBe('/mother/citizenId citizen-id-checksum: check digit should be 7');
  });

  it('counts a second push of the same file as duplicates', async () => {
    const path = file('again.ndjson', births(12).map((r) => JSON.stringify(r)).join('\n'));
    await pushFile({ ...base(), file: path, batchSize: 5 });
    const second = await pushFile({ ...base(), file: path, batchSize: 5 });
    expect(second).toMatchObject({ accepted: 0, duplicates: 12, rejected: 0, records: 12, requests: 3 });
    expect(second.rejectionsFile).toBeUndefined();
    expect(existsSync(`${path}.rejections.ndjson`)).toBe(false);
  });

  it('sends JSON and CSV bodies; a .csv file goes as CSV by default', async () => {
    const json = file('births.json', JSON.stringify({ records: births(3) }));
    expect(await pushFile({ ...base(), file: json, format: 'json' })).toMatchObject({ accepted: 3, records: 3 });
    const csv = file('births.csv', toCsv(births(4, [2]).map((r) => ({ ...r, recordId: `${r.recordId as string}c` }))));
    const rejections = join(dir, 'csv-rejections.ndjson');
    const summary = await pushFile({ ...base(), file: csv, rejectionsFile: rejections });
    expect(summary).toMatchObject({ accepted: 3, rejected: 1, records: 4, rejectionsFile: rejections });
    expect(JSON.parse(readFileSync(rejections, 'utf8'))).toMatchObject({ recordId: 'BAD2c', index: 2 });
    expect(hub.requests.map((r) => r.format)).toEqual(['json', 'csv']);
    const asCsv = await pushFile({ ...base(), file: json, format: 'csv', batchSize: 2 });
    expect(asCsv).toMatchObject({ duplicates: 3, requests: 2 });
    expect(hub.requests.slice(2).map((r) => r.format)).toEqual(['csv', 'csv']);
  });

  it('retries a 429 and a dropped connection', async () => {
    hub.faults.push('429', 'drop');
    const path = file('retry.ndjson', births(3).map((r) => JSON.stringify(r)).join('\n'));
    expect(await pushFile({ ...base(), file: path, concurrency: 1 })).toMatchObject({ accepted: 3, requests: 3, retries: 2 });
  });

  it('gives up after maxRetries, saying why', async () => {
    hub.faults.push('503', '503', '503');
    const path = file('down.ndjson', births(2).map((r) => JSON.stringify(r)).join('\n'));
    const error = await pushFile({ ...base(), file: path, maxRetries: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushError);
    expect((error as PushError).status).toBe(503);
    expect((error as Error).message).toMatch(/after 3 attempts with 503.*Service Unavailable — database is not reachable/);
  });

  it('fails clearly on a 4xx problem document, with the status, title and detail', async () => {
    hub.faults.push('400');
    const path = file('refused.ndjson', births(30).map((r) => JSON.stringify(r)).join('\n'));
    const error = (await pushFile({ ...base(), file: path, batchSize: 10, concurrency: 1 }).catch((e: unknown) => e)) as PushError;
    expect(error).toBeInstanceOf(PushError);
    expect(error.message).toContain('400');
    expect(error.message).toContain('Unparseable body');
    expect(error.message).toContain('the records are not what they should be');
    expect(error.message).toContain('records 1–10');
    expect(hub.requests).toHaveLength(1);
  });

  it('fails on a wrong secret with the 401 problem', async () => {
    const path = file('unsigned.ndjson', JSON.stringify(births(1)[0]));
    await expect(pushFile({ ...base(), file: path, secret: 'wrong' })).rejects.toThrow(/401.*Signature mismatch/);
  });

  it('keeps a base URL path prefix in the signed path', async () => {
    const path = file('prefix.ndjson', JSON.stringify(births(1)[0]));
    await expect(pushFile({ ...base(), url: `${hub.url}/hub/`, file: path })).resolves.toMatchObject({ accepted: 1 });
    expect(hub.requests[0].path).toBe('/hub/v1/exchange/birth-notices');
  });

  it('checks its options before sending anything', async () => {
    const path = file('opts.ndjson', JSON.stringify(births(1)[0]));
    await expect(pushFile({ ...base(), file: path, format: 'json', batchSize: 1001 })).rejects.toThrow(/batchSize must be an integer from 1 to 1,000/);
    await expect(pushFile({ ...base(), file: path, concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(pushFile({ ...base(), file: path, url: 'localhost:3000' })).rejects.toThrow(/not (a|an http\(s\)) URL/);
    expect(hub.requests).toHaveLength(0);
  });

  it('sends NDJSON lines as they are: a broken line is rejected alone, the rest go through', async () => {
    const lines = births(4).map((r) => JSON.stringify(r));
    const path = file('as-read.ndjson', '\uFEFF' + [lines[0], '  ', lines[1], '{broken', lines[2] + '\r', '', lines[3]].join('\n'));
    const summary = await pushFile({ ...base(), file: path, batchSize: 2, concurrency: 1 });
    expect(summary).toMatchObject({ records: 5, accepted: 4, rejected: 1, requests: 3 });
    const rejections = readFileSync(summary.rejectionsFile!, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rejections).toEqual([expect.objectContaining({ index: 2, errors: [expect.objectContaining({ code: 'invalid-json' })] })]);
    expect(hub.requests.map((r) => r.records)).toEqual([2, 2, 1]);
  });

  it('stops on an input file it cannot read, after what was sent', async () => {
    const lines = births(4).map((r) => JSON.stringify(r));
    const path = file('broken.ndjson', [...lines.slice(0, 2), '{broken', ...lines.slice(2)].join('\n'));
    // A JSON body is made of parsed records: the file is read as records, and a line that is none stops the push.
    const error = (await pushFile({ ...base(), file: path, format: 'json', batchSize: 1, concurrency: 1 }).catch((e: unknown) => e)) as PushError;
    expect(error).toBeInstanceOf(PushError);
    expect(error.message).toMatch(/broken\.ndjson:3: not valid JSON/);
    expect(error.summary.accepted).toBe(2);
  });
});

describe('sortedByReport', () => {
  it('writes the records beside the file in the order they were reported (event day when not stated)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sorted-'));
    const file = join(dir, 'feed.ndjson');
    const records = [
      { recordId: 'late', eventDate: '2026-01-01', reportedAt: '2026-03-01T09:00:00+08:00' },
      { recordId: 'undated', eventDate: '2026-02-01' },
      { recordId: 'early', eventDate: '2026-01-02', reportedAt: '2026-01-05T09:00:00+08:00' },
    ];
    writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const sorted = await sortedByReport(file);
    const order = readFileSync(sorted, 'utf8').trim().split('\n').map((l) => JSON.parse(l).recordId);
    rmSync(dir, { recursive: true, force: true });
    expect(order).toEqual(['early', 'undated', 'late']);
  });
});
