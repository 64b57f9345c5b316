import { toCsv } from '@sanxian/exchange';
import { freePort, killAllFaultChildren, startHubProcess } from '../support/fault-processes';
import { Hub, TestClient, send, startHub, waitFor } from '../support/hub-harness';
import { birthNotice, hukouChange, registryCard } from '../support/record-factory';

/**
 * The api prepares requests (parse, validate, encode) in intake threads unless INTAKE_THREADS=0, which the
 * other suites use. Here a real api process with two threads and the in-process api without any take the
 * same requests, each from its own client on one database, and must answer alike and log alike.
 */
jest.setTimeout(120_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Sender = (agency: 'public-security' | 'health' | 'family-planning', path: string, body: Buffer | string | object, contentType?: string) => Promise<unknown>;

describe('intake threads answer as the main thread does', () => {
  let hub: Hub;
  let threadedUrl: string;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    const port = await freePort();
    await startHubProcess('api', { ...hub.env, PORT: String(port), INTAKE_THREADS: '2' });
    threadedUrl = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await killAllFaultChildren();
    await hub?.close();
  });

  /** Sends through one api with its own clients; ids that differ by run become placeholders. */
  function senderFor(url: string): { send: Sender; clients: Map<string, TestClient> } {
    const clients = new Map<string, TestClient>();
    const sender: Sender = async (agency, path, body, contentType) => {
      if (!clients.has(agency)) clients.set(agency, await hub.createClient(agency));
      const res = await send(url, clients.get(agency)!, 'POST', path, body, contentType ? { contentType } : {});
      const text = (await res.text()).replace(new RegExp(UUID.source.slice(1, -1), 'g'), '<uuid>');
      return { status: res.status, body: JSON.parse(text) };
    };
    return { send: sender, clients };
  }

  it('gives the same answers, rejections and log rows for every kind of body', async () => {
    const mistyped = birthNotice(3, 71);
    const mother = mistyped.mother as { citizenId: string };
    mother.citizenId = mother.citizenId.slice(0, 17) + (mother.citizenId[17] === '0' ? '1' : '0');
    const mixed = [hukouChange(1, 71), hukouChange(2, 71, { changeType: 'teleported' }), hukouChange(3, 71, { eventDate: undefined }), hukouChange(4, 71)];
    const ndjson = [hukouChange(10, 71), hukouChange(11, 71)].map((r) => JSON.stringify(r)).join('\n') + '\n{"recordId":"HK-broken", oops\n';
    const requests: Parameters<Sender>[] = [
      ['public-security', '/v1/exchange/hukou-changes', { records: mixed }],
      ['health', '/v1/exchange/birth-notices', { records: [birthNotice(1, 71), mistyped] }],
      ['public-security', '/v1/exchange/hukou-changes', ndjson, 'application/x-ndjson'],
      ['family-planning', '/v1/exchange/registry-cards', toCsv([registryCard(1, 71), registryCard(2, 71)]), 'text/csv; charset=utf-8'],
      ['public-security', '/v1/exchange/hukou-changes', { records: mixed }], // duplicates
      ['public-security', '/v1/exchange/hukou-changes', { records: [hukouChange(1, 72, { recordId: (mixed[0] as { recordId: string }).recordId })] }], // reused id
      ['public-security', '/v1/exchange/hukou-changes', { records: [] }],
      ['public-security', '/v1/exchange/hukou-changes', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'application/x-ndjson'],
      ['public-security', '/v1/exchange/hukou-changes', { records: Array.from({ length: 1001 }, (_, i) => hukouChange(i, 73)) }],
    ];
    const inline = senderFor(hub.url);
    const threads = senderFor(threadedUrl);
    for (const request of requests) {
      const expected = await inline.send(...request);
      expect(await threads.send(...request)).toEqual(expected);
    }
    // The answers above were the real thing, not two alike failures.
    expect(await inline.send('public-security', '/v1/exchange/hukou-changes', { records: [hukouChange(20, 71)] })).toMatchObject({ status: 202, body: { accepted: 1 } });

    const logged = (clientIds: string[]) => hub.sql(
      `SELECT kind, record_id, chain_seq::int AS seq, payload, warnings, payload_sha256 = encode(sha256(convert_to(payload, 'UTF8')), 'hex') AS hash_ok
       FROM inbound_message WHERE client_id = ANY($1) ORDER BY kind, chain_seq`, [clientIds]);
    const refusedRows = (clientIds: string[]) => hub.sql(
      `SELECT kind, record_id, station_code, event_date, errors->0->>'code' AS code FROM intake_rejection WHERE client_id = ANY($1) ORDER BY kind, record_id, code`, [clientIds]);
    const idsOf = (clients: Map<string, TestClient>) => [...clients.values()].map((c) => c.clientId);
    // the extra request went to the inline api only
    const inlineRows = (await logged(idsOf(inline.clients))).filter((row) => row.record_id !== (hukouChange(20, 71) as { recordId: string }).recordId);
    const threadRows = await logged(idsOf(threads.clients));
    expect(threadRows).toEqual(inlineRows);
    expect(threadRows.length).toBeGreaterThan(5);
    expect(threadRows.every((row) => row.hash_ok)).toBe(true);
    // Refused records are kept after the answer, so both sides are awaited until they agree.
    const refused = await waitFor('both apis to keep the same refused records', async () => {
      const [a, b] = await Promise.all([refusedRows(idsOf(inline.clients)), refusedRows(idsOf(threads.clients))]);
      return a.length > 0 && JSON.stringify(a) === JSON.stringify(b) ? b : undefined;
    }, 10_000);
    expect(refused.map((row) => row.code)).toEqual(expect.arrayContaining(['enum', 'required', 'invalid-json', 'record-id-reused']));
  });
});
