import { RECORD_KINDS, KIND_AGENCY, KIND_PATH, RecordKind } from '@sanxian/contracts';
import { toCsv } from '@sanxian/exchange';
import { PersonalDataCipher } from '@sanxian/persistence';
import { FACTORIES, hukouChange } from '../support/record-factory';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../support/hub-harness';

const path = (kind: RecordKind) => `/v1/exchange/${KIND_PATH[kind]}`;

describe('exchange intake (api + worker on real PostgreSQL and Redis)', () => {
  let hub: Hub;
  const clients = {} as Record<RecordKind, TestClient>;

  beforeAll(async () => {
    hub = await startHub();
    for (const kind of RECORD_KINDS) clients[kind] = await hub.createClient(KIND_AGENCY[kind]);
  });
  afterAll(() => hub?.close());

  const count = async (sql: string, params: unknown[] = []) => Number((await hub.sql(sql, params))[0].n);

  it.each(RECORD_KINDS)('a %s pushed as JSON is stored, processed into facts, and visible to its sender only', async (kind) => {
    const records = [FACTORIES[kind](1, 100), FACTORIES[kind](2, 100)];
    const res = await send(hub.url, clients[kind], 'POST', path(kind), { records });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 2, duplicates: 0, rejected: 0 });
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted']);
    const messageId = body.results[0].messageId;

    const message = await waitFor('processed', async () => {
      const r = await send(hub.url, clients[kind], 'GET', `/v1/exchange/messages/${messageId}`);
      const m = await r.json();
      return m.state === 'processed' ? m : undefined;
    });
    expect(message).toMatchObject({ messageId, recordId: records[0].recordId, kind, state: 'processed' });
    const facts = await hub.sql('SELECT role FROM canonical_fact WHERE message_id = $1 ORDER BY role, ordinal', [messageId]);
    const expectedRoles = { 'hukou-change': ['subject'], 'marriage-record': ['party-a', 'party-b'], 'birth-notice': ['child', 'father', 'mother'], 'registry-card': ['child', 'husband', 'woman'] }[kind];
    expect(facts.map((f) => f.role)).toEqual(expectedRoles);

    const other = RECORD_KINDS.find((k) => k !== kind)!;
    const foreign = await send(hub.url, clients[other], 'GET', `/v1/exchange/messages/${messageId}`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers.get('content-type')).toContain('application/problem+json');

    const receipts = await (await send(hub.url, clients[kind], 'GET', '/v1/exchange/receipts?after=0&limit=1000')).json();
    expect(receipts.items.filter((r: { messageId: string; type: string }) => r.messageId === messageId && r.type === 'processed')).toHaveLength(1);
  });

  it('receipts page with a cursor, oldest first', async () => {
    const client = await hub.createClient('public-security');
    const records = [1, 2, 3].map((i) => hukouChange(i, 300));
    await send(hub.url, client, 'POST', path('hukou-change'), { records });
    await waitFor('3 receipts', async () => {
      const r = await (await send(hub.url, client, 'GET', '/v1/exchange/receipts?limit=10')).json();
      return r.items.length === 3 ? r : undefined;
    });
    const first = await (await send(hub.url, client, 'GET', '/v1/exchange/receipts?limit=2')).json();
    expect(first.items.map((r: { recordId: string }) => r.recordId)).toEqual(['HK-300-1', 'HK-300-2']);
    const rest = await (await send(hub.url, client, 'GET', `/v1/exchange/receipts?after=${first.nextCursor}&limit=2`)).json();
    expect(rest.items.map((r: { recordId: string }) => r.recordId)).toEqual(['HK-300-3']);
    expect((await send(hub.url, client, 'GET', '/v1/exchange/receipts?limit=0')).status).toBe(400);
  });

  it('a resent record is a duplicate, and a reused id with other content is rejected; neither is stored twice', async () => {
    const client = clients['hukou-change'];
    const record = hukouChange(1, 200);
    const first = await (await send(hub.url, client, 'POST', path('hukou-change'), { records: [record] })).json();
    const again = await (await send(hub.url, client, 'POST', path('hukou-change'), { records: [record, { ...record, eventDate: '2025-01-02' }] })).json();
    expect(again).toMatchObject({ accepted: 0, duplicates: 1, rejected: 1 });
    expect(again.results[0]).toMatchObject({ status: 'duplicate', messageId: first.results[0].messageId });
    expect(again.results[1]).toMatchObject({ status: 'rejected', errors: [{ path: '/recordId', code: 'record-id-reused' }] });
    expect(await count('SELECT count(*) AS n FROM inbound_message WHERE record_id = $1', [record.recordId])).toBe(1);
  });

  it('the same record twice in one batch is stored once', async () => {
    const record = hukouChange(2, 200);
    const body = await (await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), { records: [record, record] })).json();
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
  });

  it('a mixed batch accepts the valid records and rejects the others with JSON Pointer paths and codes', async () => {
    const good = hukouChange(1, 400);
    const badId = hukouChange(2, 400);
    (badId.person as { citizenId: string }).citizenId = (badId.person as { citizenId: string }).citizenId.slice(0, 17) + ((Number((badId.person as { citizenId: string }).citizenId[17]) + 1) % 10);
    const badEnum = hukouChange(3, 400, { changeType: 'teleport' });
    const missing = hukouChange(4, 400);
    delete (missing as Record<string, unknown>).eventDate;
    const res = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), { records: [good, badId, badEnum, missing] });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ accepted: 1, rejected: 3 });
    expect(body.results[1].errors).toEqual([expect.objectContaining({ path: '/person/citizenId', code: expect.stringMatching(/^citizen-id-/) })]);
    expect(body.results[2].errors).toEqual([expect.objectContaining({ path: '/changeType', code: 'enum' })]);
    expect(body.results[3].errors).toEqual([expect.objectContaining({ path: '/eventDate', code: 'required' })]);
    expect(await count(`SELECT count(*) AS n FROM inbound_message WHERE record_id LIKE 'HK-400-%'`)).toBe(1);
  });

  it("a mother's mistyped id in a birth notice is accepted with a warning", async () => {
    const notice = FACTORIES['birth-notice'](9, 500);
    const mother = notice.mother as { citizenId: string };
    mother.citizenId = mother.citizenId.slice(0, 17) + (mother.citizenId[17] === '0' ? '1' : '0');
    const body = await (await send(hub.url, clients['birth-notice'], 'POST', path('birth-notice'), { records: [notice] })).json();
    expect(body.results[0]).toMatchObject({ status: 'accepted', warnings: [expect.objectContaining({ path: '/mother/citizenId', code: 'citizen-id-checksum' })] });
  });

  it("a mother's name with a full-width space is accepted with a normalised warning, logged as sent and used in its normal form", async () => {
    const notice = FACTORIES['birth-notice'](10, 500);
    const mother = notice.mother as { name: string };
    const normalName = mother.name;
    mother.name = `${normalName.slice(0, 1)}\u3000${normalName.slice(1)}`;
    const res = await send(hub.url, clients['birth-notice'], 'POST', path('birth-notice'), { records: [notice] });
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body.results[0]).toMatchObject({ status: 'accepted', warnings: [{ path: '/mother/name', code: 'normalised', value: normalName, message: expect.any(String) }] });
    const messageId = body.results[0].messageId;
    await waitFor('the notice processed', async () => {
      const m = await (await send(hub.url, clients['birth-notice'], 'GET', `/v1/exchange/messages/${messageId}`)).json();
      return m.state === 'processed' ? m : undefined;
    });
    const [stored] = await hub.sql('SELECT payload FROM inbound_message WHERE id = $1', [messageId]);
    expect(JSON.parse(stored.payload).mother.name).toBe(mother.name);
    const [fact] = await hub.sql(`SELECT name FROM canonical_fact WHERE message_id = $1 AND role = 'mother'`, [messageId]);
    expect(new PersonalDataCipher(hub.config.secretsKey).open(fact.name)).toBe(normalName);
  });

  it('accepts NDJSON and CSV batch files', async () => {
    const ndjsonRecords = [1, 2, 3].map((i) => hukouChange(i, 600));
    const ndjson = ndjsonRecords.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const a = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), ndjson, { contentType: 'application/x-ndjson' });
    expect(a.status).toBe(202);
    expect(await a.json()).toMatchObject({ accepted: 3 });

    const cards = [1, 2].map((i) => FACTORIES['registry-card'](i, 600));
    const b = await send(hub.url, clients['registry-card'], 'POST', path('registry-card'), toCsv(cards), { contentType: 'text/csv; charset=utf-8' });
    expect(b.status).toBe(202);
    const body = await b.json();
    expect(body).toMatchObject({ accepted: 2, rejected: 0 });
    const [stored] = await hub.sql(`SELECT payload FROM inbound_message WHERE record_id = $1`, [cards[0].recordId]);
    // CSV strings were coerced to the schema's types before storing.
    expect(JSON.parse(stored.payload)).toMatchObject({ version: 1, children: [{ birthOrder: 1, policyCompliant: true }] });
  });

  it('refuses wrong record kinds (403), too many records (413) and unknown media types (415) with problem documents', async () => {
    const forbidden = await send(hub.url, clients['birth-notice'], 'POST', path('hukou-change'), { records: [hukouChange(1, 700)] });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ status: 403, code: 'wrong-record-kind' });

    const tooMany = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), { records: Array.from({ length: 1001 }, (_, i) => hukouChange(i, 701)) });
    expect(tooMany.status).toBe(413);
    expect(tooMany.headers.get('content-type')).toContain('application/problem+json');

    const xml = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), '<records/>', { contentType: 'application/xml' });
    expect(xml.status).toBe(415);
    expect(await xml.json()).toMatchObject({ status: 415, code: 'unsupported-media-type' });

    const garbage = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), '{"records": [', { contentType: 'application/json' });
    expect(garbage.status).toBe(400);
    expect(await count(`SELECT count(*) AS n FROM inbound_message WHERE record_id LIKE 'HK-70%'`)).toBe(0);
  });

  describe('signatures', () => {
    const record = () => ({ records: [hukouChange(Math.floor(Math.random() * 1e9), 800)] });
    const stored = () => count(`SELECT count(*) AS n FROM inbound_message WHERE record_id LIKE 'HK-800-%'`);

    it.each([
      ['an expired timestamp', { now: new Date(Date.now() - 301_000) }, 'timestamp-expired'],
      ['a timestamp from the future', { now: new Date(Date.now() + 400_000) }, 'timestamp-expired'],
      ['a forged signature (other body signed)', { signBody: Buffer.from('{}') }, 'signature-mismatch'],
      ['a wrong secret', { secret: 'not-the-secret' }, 'signature-mismatch'],
      ['a malformed nonce', { nonce: 'short' }, 'nonce-malformed'],
    ])('%s answers 401 and stores nothing', async (_name, options, code) => {
      const res = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), record(), options);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ status: 401, code });
      expect(await stored()).toBe(0);
    });

    it('an unknown client answers 401', async () => {
      const res = await send(hub.url, { clientId: 'ps-nobody', secret: 'x' }, 'POST', path('hukou-change'), record());
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'unknown-client' });
      expect(await stored()).toBe(0);
    });

    it('a replayed request (same nonce) answers 401 the second time', async () => {
      const nonce = 'replay-nonce-0123456789';
      const body = record();
      const first = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), body, { nonce });
      expect(first.status).toBe(202);
      const replay = await send(hub.url, clients['hukou-change'], 'POST', path('hukou-change'), body, { nonce });
      expect(replay.status).toBe(401);
      expect(await replay.json()).toMatchObject({ code: 'nonce-replayed' });
      expect(await stored()).toBe(1);
    });

    it('an unsigned request answers 401 naming the missing headers', async () => {
      const res = await fetch(hub.url + path('hukou-change'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(record()) });
      expect(res.status).toBe(401);
      expect(((await res.json()) as any).detail).toContain('X-Hub-Signature');
    });
  });

  it('every message is processed exactly once across all the above', async () => {
    const total = await count('SELECT count(*) AS n FROM inbound_message');
    const counts = await waitUntilProcessed(hub, total);
    expect(counts).toEqual({ processed: total });
    expect(await count(`SELECT count(*) AS n FROM (SELECT message_id, role, ordinal FROM canonical_fact GROUP BY 1, 2, 3 HAVING count(*) > 1) d`)).toBe(0);
  });
});

describe('per-client rate limit', () => {
  let hub: Hub;
  beforeAll(async () => {
    hub = await startHub({ worker: false, env: { RATE_LIMIT_REQUESTS_PER_SECOND: '3' } });
  });
  afterAll(() => hub?.close());

  it('answers 429 with Retry-After once a client exceeds its rate, without affecting other clients', async () => {
    const noisy = await hub.createClient('public-security');
    const quiet = await hub.createClient('public-security');
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await send(hub.url, noisy, 'GET', '/v1/exchange/receipts');
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        expect(await res.json()).toMatchObject({ status: 429, code: 'rate-limited' });
      }
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expect((await send(hub.url, quiet, 'GET', '/v1/exchange/receipts')).status).toBe(200);
  });
});
