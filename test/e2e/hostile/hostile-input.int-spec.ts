import fc from 'fast-check';
import { KIND_AGENCY, KIND_PATH, RECORD_KINDS, type RecordKind } from '@sanxian/contracts';
import { CONTENT_TYPES, flattenRecord, toCsv } from '@sanxian/exchange';
import { freePort, killAllFaultChildren, startHubProcess } from '../../support/fault-processes';
import { Hub, HubResponse, TestClient, send, startHub, waitFor } from '../../support/hub-harness';
import { birthNotice, hukouChange, marriageRecord, registryCard } from '../../support/record-factory';

/**
 * Hostile input at intake, against a real api process whose requests are prepared in one intake thread
 * (INTAKE_THREADS=1, the built dist/: `npm run build` first). Whatever a signed sender writes, the answer
 * is never a 5xx, always comes (each request is abandoned after 5 s, which fails the test), and intake
 * still takes a normal request afterwards. Cases are generated with fast-check, several records a request.
 */
jest.setTimeout(240_000);

const PATIENCE_MS = 5_000;
const FACTORIES: Record<RecordKind, (serial: number, seed: number) => Record<string, unknown>> = {
  'hukou-change': hukouChange,
  'marriage-record': marriageRecord,
  'birth-notice': birthNotice,
  'registry-card': registryCard,
};
const FORMATS = ['json', 'ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** What the contract's plain-text rule forbids (schemas/exchange/common.schema.json#/$defs/plainText). */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/u;

/** The dotted paths of a valid record's text fields, e.g. person.name, children.0.citizenId. */
function textFields(kind: RecordKind): string[] {
  const record = FACTORIES[kind](1, 1);
  return Object.keys(flattenRecord(record)).filter((path) => typeof path.split('.').reduce<any>((value, key) => value?.[key], record) === 'string');
}

function setPath(record: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node: any = record;
  for (const key of keys.slice(0, -1)) node = node[key];
  node[keys[keys.length - 1]] = value;
}

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

const hostileText = fc.oneof(
  fc.constantFrom(
    '\u0000', 'a\u0000b', '\udfff', '\ud800x', 'x\ud83d', "=cmd|' /C calc'!A0", '+1+1', '-2+3', '@SUM(A1)', '=HYPERLINK("http://x")',
    '\u202Eevil', 'a\u2066b\u2069', '\u200Fx', 'x\n', 'x\r\n', ' x', 'x ', '\t', '\u0085', '\u2028', '\u001b[31m', '', '\\u0000',
  ),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 120_000 }).map((n) => '界'.repeat(n)),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\u0000', '\udc00', '\u202E'), fc.string({ maxLength: 20 })).map(([a, b]) => a + b),
);

/** A record of the kind with one text field (or its id) set to a hostile value. */
const hostileRecord = (kind: RecordKind) =>
  fc.tuple(fc.constantFrom(...textFields(kind)), hostileText).map(([field, value]) => ({ field, value }));

describe('hostile input at intake never gets a 5xx and never stalls intake', () => {
  let hub: Hub;
  let url: string;
  const clients = new Map<RecordKind, TestClient>();
  let serial = 0;
  let cases = 0;
  /** Records refused in 202 answers: each is kept to score its sender, whatever it held. */
  let rejected = 0;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    const port = await freePort();
    await startHubProcess('api', { ...hub.env, PORT: String(port), INTAKE_THREADS: '1' });
    url = `http://127.0.0.1:${port}`;
    for (const kind of RECORD_KINDS) clients.set(kind, await hub.createClient(KIND_AGENCY[kind]));
  });

  afterAll(async () => {
    await killAllFaultChildren();
    await hub?.close();
  });

  /** Sends within PATIENCE_MS or fails; never a 5xx. */
  async function post(kind: RecordKind, body: Buffer | string | object, format: Format = 'json'): Promise<HubResponse> {
    const res = await send(url, clients.get(kind)!, 'POST', `/v1/exchange/${KIND_PATH[kind]}`, body, {
      contentType: CONTENT_TYPES[format],
      signal: AbortSignal.timeout(PATIENCE_MS),
    });
    if (res.status >= 500) throw new Error(`${res.status} for a ${format} body: ${await res.text()}`);
    if (res.status === 202) rejected += ((await res.clone().json()) as { rejected: number }).rejected;
    return res;
  }

  /** A normal request must still be taken after each case. */
  async function expectIntakeServes(): Promise<void> {
    const res = await post('hukou-change', { records: [hukouChange(++serial, 601)] });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1 });
  }

  function encode(records: Record<string, unknown>[], format: Format): Buffer | object {
    if (format === 'json') return { records };
    if (format === 'ndjson') return Buffer.from(records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    return Buffer.from(toCsv(records));
  }

  it('answers the reported nesting attacks with a 400 naming the depth, and intake goes on', async () => {
    const policeStation = JSON.stringify(hukouChange(1, 602)).replace(/"policeStation":\{[^}]*\}/, `"policeStation":${nestedObjects(10_000)}`);
    for (const body of [
      `{"records":${nestedArrays(5_000)}}`,
      `{"records":[${nestedObjects(3_000)}]}`,
      `{"records":[${policeStation}]}`,
    ]) {
      const res = await post('hukou-change', Buffer.from(body));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, code: 'nesting-too-deep', detail: expect.stringMatching(/levels deep/) });
      await expectIntakeServes();
    }
    // An NDJSON line nested too deep is refused alone; the good line beside it is taken.
    const res = await post('hukou-change', Buffer.from(`${nestedArrays(5_000)}\n${JSON.stringify(hukouChange(++serial, 601))}\n`), 'ndjson');
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 1, results: [{ status: 'rejected', errors: [{ code: 'nesting-too-deep' }] }, { status: 'accepted' }] });
    const csv = await post('hukou-change', Buffer.from(`recordId,${'a.'.repeat(5_000)}b\r\nX,1\r\n`), 'csv');
    expect(csv.status).toBe(400);
    expect(await csv.json()).toMatchObject({ code: 'invalid-csv', detail: expect.stringMatching(/levels deep/) });
    await expectIntakeServes();
  });

  it('refuses a NUL or an unpaired surrogate in recordId for that record only, with its path and code', async () => {
    const good = hukouChange(++serial, 603);
    const res = await post('hukou-change', { records: [hukouChange(1, 603, { recordId: 'a\u0000b' }), hukouChange(2, 603, { recordId: '\udfff' }), good] });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: 2,
      results: [
        { status: 'rejected', recordId: null, errors: [{ path: '/recordId', code: 'control-character' }] },
        { status: 'rejected', recordId: null, errors: [{ path: '/recordId', code: 'unpaired-surrogate' }] },
        { status: 'accepted', recordId: good.recordId },
      ],
    });
  });

  it.each(FORMATS)('survives generated nesting and width in %s bodies', async (format) => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('objects', 'arrays', 'wide'), async (depth, shape) => {
        cases++;
        const wide = `{"recordId":"W-${depth}",${Array.from({ length: depth }, (_, i) => `"f${i}":[${i}]`).join(',')}}`;
        const nested = shape === 'objects' ? nestedObjects(depth) : shape === 'arrays' ? nestedArrays(depth) : wide;
        const body =
          format === 'json' ? `{"records":[${nested}]}` : format === 'ndjson' ? `${nested}\n` : `recordId,${Array.from({ length: Math.min(depth, 2_000) }, () => 'a').join('.')}\r\nX,1\r\n`;
        await post('hukou-change', Buffer.from(body), format);
        await expectIntakeServes();
      }),
      { numRuns: 40 },
    );
  });

  it.each(FORMATS)('takes hostile text in every text field of each kind in %s bodies: no 5xx, forbidden characters refused per record', async (format) => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...RECORD_KINDS).chain((kind) => fc.tuple(fc.constant(kind), fc.array(hostileRecord(kind), { minLength: 4, maxLength: 8 }))),
        async ([kind, mutations]) => {
          cases += mutations.length;
          const records = mutations.map(({ field, value }) => {
            const record = FACTORIES[kind](++serial, 604);
            setPath(record, field, value);
            return record;
          });
          const res = await post(kind, encode(records, format), format);
          if (res.status === 202) {
            const answer = await res.json();
            expect(answer.results).toHaveLength(records.length);
            // CSV bodies carry text as UTF-8 bytes, where an unpaired surrogate cannot be written (it becomes U+FFFD).
            mutations.forEach(({ value }, i) => {
              const forbidden = format === 'csv' ? FORBIDDEN.test(value.replace(/\p{Cs}/gu, '')) : FORBIDDEN.test(value);
              if (forbidden) expect(answer.results[i]).toMatchObject({ status: 'rejected' });
            });
          } else {
            expect(res.status).toBeGreaterThanOrEqual(400);
            expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          }
          await expectIntakeServes();
        },
      ),
      { numRuns: 80 },
    );
  });

  it('ran at least 1,200 cases, and the api is still ready', async () => {
    expect(cases).toBeGreaterThanOrEqual(1_200);
    const ready = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(PATIENCE_MS) });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ info: { intake: { status: 'up', inFlight: 0 } } });
    // Kept just after answering, best effort: every one must have been storable.
    await waitFor('every refused record kept', async () => {
      const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM intake_rejection`);
      return n === rejected || undefined;
    });
  });
});

describe('an intake thread that takes too long on one request', () => {
  let hub: Hub;
  let url: string;
  let client: TestClient;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    const port = await freePort();
    await startHubProcess('api', { ...hub.env, PORT: String(port), INTAKE_THREADS: '1', INTAKE_TASK_TIMEOUT_MS: '1000' });
    url = `http://127.0.0.1:${port}`;
    client = await hub.createClient('public-security');
  });

  afterAll(async () => {
    await killAllFaultChildren();
    await hub?.close();
  });

  it('is ended by the watchdog: that request gets 503 with Retry-After, readiness fails after three in a row, a fresh thread serves the next one', async () => {
    // 100,000 records take the thread several seconds, far over the 1 s allowed here.
    const big = Buffer.from(Array.from({ length: 100_000 }, (_, i) => JSON.stringify(hukouChange(i, 605))).join('\n'));
    for (let i = 0; i < 3; i++) {
      const res = await send(url, client, 'POST', '/v1/exchange/hukou-changes', big, { contentType: CONTENT_TYPES.ndjson, signal: AbortSignal.timeout(30_000) });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ code: 'intake-unavailable' });
    }
    const notReady = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(PATIENCE_MS) });
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(await notReady.json())).toMatch(/intake requests failed/);

    // The fresh thread loads and compiles the schemas first, which may itself outlast the 1 s allowed here
    // on a busy machine: a client sends again after Retry-After, so does this test (a few times at most).
    let next: HubResponse | undefined;
    for (let attempt = 0; attempt < 10 && next?.status !== 202; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      next = await send(url, client, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(1, 606)] }, { signal: AbortSignal.timeout(PATIENCE_MS) });
      expect([202, 503]).toContain(next.status);
    }
    expect(next!.status).toBe(202);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const [{ n }] = await hub.sql(`SELECT count(*)::int AS n FROM inbound_message`);
    expect(n).toBe(1);
  });
});
