import { runCli } from '../support/cli-process';
import { hukouChange } from '../support/record-factory';
import { Hub, send, startHub, waitFor, waitUntilProcessed } from '../support/hub-harness';

const PATH = '/v1/exchange/hukou-changes';

describe('the message log is tamper-evident; dead messages can be listed and replayed (CLI as a process)', () => {
  let hub: Hub;
  let env: Record<string, string>;

  beforeAll(async () => {
    hub = await startHub();
    env = { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, SECRETS_KEY: hub.env.SECRETS_KEY, LOG_LEVEL: 'error' };
  });
  afterAll(() => hub?.close());

  it('creates, lists and revokes clients; a revoked client is refused', async () => {
    const created = runCli(['clients', 'create', '--agency', 'public-security', '--name', '西充县公安局', '--json'], env);
    expect(created.status).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toEqual({ clientId: expect.stringMatching(/^ps-/), secret: expect.any(String) });
    expect((await send(hub.url, client, 'POST', PATH, { records: [hukouChange(1, 1)] })).status).toBe(202);

    const listed = runCli(['clients', 'list', '--json'], env);
    expect(JSON.parse(listed.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ id: client.clientId, agency: 'public-security', messages: 1 })]));
    // The secret is never shown again.
    expect(listed.stdout).not.toContain(client.secret);

    expect(runCli(['clients', 'revoke', client.clientId], env).status).toBe(0);
    const refused = await send(hub.url, client, 'POST', PATH, { records: [hukouChange(2, 1)] });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'revoked-client' });

    const bad = runCli(['clients', 'create', '--agency', 'police', '--name', 'x'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--agency must be one of');
  });

  it('refuses every UPDATE, DELETE and TRUNCATE at the database', async () => {
    const client = await hub.createClient('public-security');
    await send(hub.url, client, 'POST', PATH, { records: [hukouChange(1, 2)] });
    await expect(hub.sql(`UPDATE inbound_message SET payload = '{}' WHERE client_id = $1`, [client.clientId])).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(hub.sql(`UPDATE inbound_message SET region_code = region_code WHERE client_id = $1`, [client.clientId])).rejects.toThrow(/append-only/);
    await expect(hub.sql(`DELETE FROM inbound_message WHERE client_id = $1`, [client.clientId])).rejects.toThrow(/append-only/);
    await expect(hub.sql(`TRUNCATE inbound_message CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('keeps each payload byte for byte, escapes included, and its hash verifies', async () => {
    const client = await hub.createClient('public-security');
    // Backslashes and quotes: what JSON escapes in plain text (control characters such as a tab are refused).
    const record = hukouChange(1, 4, { policeStation: { code: '511325520200', name: 'C:\\派出所 "东" \\n' } });
    const res = await send(hub.url, client, 'POST', PATH, { records: [record] });
    expect(res.status).toBe(202);
    const [row] = await hub.sql(`SELECT payload, payload_sha256, encode(sha256(convert_to(payload, 'UTF8')), 'hex') AS computed FROM inbound_message WHERE client_id = $1`, [client.clientId]);
    expect(row.payload).toBe(JSON.stringify(record));
    expect(row.computed).toBe(row.payload_sha256);
  });

  it('keeps an NDJSON line as sent; the same record written otherwise is a duplicate, other content a reused id', async () => {
    const client = await hub.createClient('public-security');
    const [a, b] = [hukouChange(1, 6), hukouChange(2, 6)];
    const spaced = (record: object) => JSON.stringify(record, null, 1).replace(/\n/g, ' ');
    const lines = `${spaced(a)}\r\n${JSON.stringify(b)}\n`;
    const first = await send(hub.url, client, 'POST', PATH, lines, { contentType: 'application/x-ndjson' });
    expect(await first.json()).toMatchObject({ accepted: 2 });
    const rows = await hub.sql(`SELECT payload, payload_sha256 = encode(sha256(convert_to(payload, 'UTF8')), 'hex') AS hash_ok FROM inbound_message WHERE client_id = $1 ORDER BY chain_seq`, [client.clientId]);
    expect(rows).toEqual([{ payload: spaced(a), hash_ok: true }, { payload: JSON.stringify(b), hash_ok: true }]);

    // Sent again, compact and as a JSON array: the same records. Then one of them with another district.
    const again = await send(hub.url, client, 'POST', PATH, { records: [a, b, { ...a, regionCode: '511325100000' }] });
    const body = await again.json();
    expect(body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'duplicate', 'rejected']);
    expect(body.results[2].errors).toEqual([expect.objectContaining({ path: '/recordId', code: 'record-id-reused' })]);
  });

  it('logs each record id once when one client sends overlapping requests at the same time, and the chain stays whole', async () => {
    const client = await hub.createClient('public-security');
    // Six requests of 200 records, each sharing 100 ids with the next: duplicates are looked up before the
    // client's lock is taken, so overlapping requests race, and the loser must answer duplicates, not fail.
    const requests = Array.from({ length: 6 }, (_, k) => Array.from({ length: 200 }, (_, i) => hukouChange(k * 100 + i + 1, 5)));
    const answers = await Promise.all(requests.map(async (records) => {
      const res = await send(hub.url, client, 'POST', PATH, { records });
      expect(res.status).toBe(202);
      return (await res.json()) as { accepted: number; duplicates: number; rejected: number };
    }));
    const distinct = 5 * 100 + 200;
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(distinct);
    expect(answers.reduce((n, a) => n + a.duplicates, 0)).toBe(6 * 200 - distinct);
    expect(answers.every((a) => a.rejected === 0)).toBe(true);
    const [logged] = await hub.sql<{ n: number; ids: number; last: string }>(
      `SELECT count(*)::int AS n, count(DISTINCT record_id)::int AS ids, max(chain_seq)::text AS last FROM inbound_message WHERE client_id = $1`, [client.clientId]);
    expect(logged).toEqual({ n: distinct, ids: distinct, last: String(distinct) });
    const verified = runCli(['log', 'verify', '--json'], env);
    expect(JSON.parse(verified.stdout).breaks).toEqual([]);
  });

  it('`log verify` passes on an intact log and names the first broken link after tampering', async () => {
    const client = await hub.createClient('public-security');
    await send(hub.url, client, 'POST', PATH, { records: [1, 2, 3, 4, 5].map((i) => hukouChange(i, 3)) });
    const intact = runCli(['log', 'verify', '--json'], env);
    expect(intact.status).toBe(0);
    expect(JSON.parse(intact.stdout).breaks).toEqual([]);

    // Someone with superuser rights edits a payload behind the trigger's back.
    const [third] = await hub.sql(`SELECT id FROM inbound_message WHERE client_id = $1 AND chain_seq = 3`, [client.clientId]);
    await hub.sql(`ALTER TABLE inbound_message DISABLE TRIGGER inbound_message_guard`);
    await hub.sql(`UPDATE inbound_message SET payload = replace(payload, '"regionCode":"', '"regionCode":"9') WHERE id = $1`, [third.id]);
    await hub.sql(`ALTER TABLE inbound_message ENABLE TRIGGER inbound_message_guard`);

    const broken = runCli(['log', 'verify'], env);
    expect(broken.status).toBe(3);
    expect(broken.stdout).toContain(`client ${client.clientId}: first broken link at seq 3 (message ${third.id})`);

    // Recomputing the payload hash to hide the edit breaks the row hash instead.
    await hub.sql(`ALTER TABLE inbound_message DISABLE TRIGGER inbound_message_guard`);
    await hub.sql(`UPDATE inbound_message SET payload_sha256 = encode(sha256(convert_to(payload, 'UTF8')), 'hex') WHERE id = $1`, [third.id]);
    await hub.sql(`ALTER TABLE inbound_message ENABLE TRIGGER inbound_message_guard`);
    const json = JSON.parse(runCli(['log', 'verify', '--json'], env).stdout);
    expect(json.breaks).toEqual([expect.objectContaining({ clientId: client.clientId, chainSeq: '3', reason: expect.stringContaining('row hash') })]);
  });

  it('a batch that fails every attempt goes dead; `dead list` shows it and `dead replay` processes it once', async () => {
    const client = await hub.createClient('public-security');
    // A fault the worker cannot get past: the facts table refuses rows of one village.
    await hub.sql(`CREATE FUNCTION refuse_fact() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
    await hub.sql(`CREATE TRIGGER refuse_fact BEFORE INSERT ON canonical_fact FOR EACH ROW WHEN (NEW.region_code = '511325232203') EXECUTE FUNCTION refuse_fact()`);
    const records = [1, 2, 3].map((i) => hukouChange(i, 4, { regionCode: '511325232203' }));
    const res = await (await send(hub.url, client, 'POST', PATH, { records })).json();
    expect(res.accepted).toBe(3);

    await waitFor('dead messages', async () => {
      const rows = await hub.sql(`SELECT count(*)::int AS n FROM message_state WHERE client_id = $1 AND state = 'dead'`, [client.clientId]);
      return rows[0].n === 3 || undefined;
    });
    const listed = runCli(['dead', 'list', '--json'], env);
    const dead = JSON.parse(listed.stdout).filter((m: { clientId: string }) => m.clientId === client.clientId);
    expect(dead).toHaveLength(3);
    expect(dead[0].error).toContain('disk on fire');
    const receipts = await (await send(hub.url, client, 'GET', '/v1/exchange/receipts')).json();
    expect(receipts.items.filter((r: { type: string }) => r.type === 'dead')).toHaveLength(3);

    await hub.sql(`DROP TRIGGER refuse_fact ON canonical_fact`);
    const one = runCli(['dead', 'replay', dead[0].id], env);
    expect(one.stdout).toContain('replaying 1 message(s)');
    const all = runCli(['dead', 'replay', '--all'], env);
    expect(all.status).toBe(0);
    await waitUntilProcessed(hub, 0);
    const [facts] = await hub.sql(
      `SELECT count(*)::int AS n, count(DISTINCT message_id)::int AS messages FROM canonical_fact f JOIN inbound_message m ON m.id = f.message_id WHERE m.client_id = $1`,
      [client.clientId],
    );
    expect(facts).toEqual({ n: 3, messages: 3 });
    expect(runCli(['dead', 'replay'], env).status).toBe(2);
  });
});
