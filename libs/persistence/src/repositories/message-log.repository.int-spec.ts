import { MessageLogRepository } from '@sanxian/persistence';
import { logRecords } from '../../../../test/support/log-records';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('MessageLogRepository (the append-only, hash-chained message log)', () => {
  const ctx = persistenceSuite({ clients: { police: 'public-security', health: 'health' } });
  const { clients } = ctx;
  let log: MessageLogRepository;

  beforeAll(() => {
    log = ctx.get(MessageLogRepository);
  });

  it('stores a request on the client’s chain, in outbox batches of the given size, and reads a message back for its client only', async () => {
    const stored = await logRecords(log, clients.police, 'hukou-change', [1, 2, 3, 4, 5].map((n) => ({ recordId: `HK-${n}` })), { batchSize: 2 });
    expect(stored.statuses).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(stored.batchIds).toHaveLength(3);
    const batches = await ctx.sql(`SELECT id, record_count, first_seq::int, last_seq::int FROM intake_batch WHERE client_id = $1 ORDER BY first_seq`, [clients.police]);
    expect(batches.map((b) => [b.id, b.record_count, b.first_seq, b.last_seq])).toEqual([
      [stored.batchIds[0], 2, 1, 2], [stored.batchIds[1], 2, 3, 4], [stored.batchIds[2], 1, 5, 5],
    ]);

    const third = await log.findForClient(clients.police, stored.messageId(2));
    expect(third).toMatchObject({ id: stored.messageId(2), recordId: 'HK-3', kind: 'hukou-change', batchId: stored.batchIds[1], state: 'accepted', chainSeq: '3', processedAt: null, error: null });
    expect(await log.findForClient(clients.health, stored.messageId(2))).toBeUndefined();
    const [client] = await ctx.sql(`SELECT chain_seq::int AS seq, chain_head FROM exchange_client WHERE id = $1`, [clients.police]);
    expect(client.seq).toBe(5);
    expect(client.chain_head).toBe((await log.findForClient(clients.police, stored.messageId(4)))!.rowHash);
  });

  it('a record sent again is a duplicate of its first message (whatever its spacing); its id with other content is a reused id', async () => {
    const first = await logRecords(log, clients.police, 'hukou-change', [{ recordId: 'HK-R', text: '{"recordId":"HK-R","n":1}' }]);
    const again = await logRecords(log, clients.police, 'hukou-change', [
      { recordId: 'HK-R', text: '{ "recordId": "HK-R", "n": 1 }' },
      { recordId: 'HK-R2', text: '{"recordId":"HK-R2"}' },
      { recordId: 'HK-R2', text: '{"recordId":"HK-R2"}' },
      { recordId: 'HK-R', text: '{"recordId":"HK-R","n":2}' },
    ]);
    expect(again.statuses).toEqual(['duplicate', 'accepted', 'duplicate', 'record-id-reused']);
    expect(again.messageId(0)).toBe(first.messageId(0));
    expect(again.messageId(2)).toBe(again.messageId(1));
    expect(again.messageId(3)).toBe(first.messageId(0));
    expect(again.batchIds).toHaveLength(1);
    // The same record id from another client is another message.
    const other = await logRecords(log, clients.health, 'birth-notice', [{ recordId: 'HK-R' }]);
    expect(other.statuses).toEqual(['accepted']);
    // Nothing new, no batch.
    expect((await logRecords(log, clients.health, 'birth-notice', [{ recordId: 'HK-R' }])).batchIds).toEqual([]);
  });

  it('counts messages by state', async () => {
    const counts = await log.countByState();
    const [{ n }] = await ctx.sql(`SELECT count(*)::int AS n FROM inbound_message`);
    expect(counts).toEqual({ accepted: n, processed: 0, dead: 0 });
  });

  it('keeps refused records apart from the log, with their errors', async () => {
    await log.recordRejections(clients.health, 'birth-notice', [
      { recordId: 'BN-bad', stationCode: '511325000001', eventDate: null, errors: [{ path: '/eventDate', code: 'format' }] },
      { recordId: null, stationCode: null, eventDate: '2025-03-01', errors: [{ path: '', code: 'not-an-object' }] },
    ]);
    await log.recordRejections(clients.health, 'birth-notice', []);
    const rows = await ctx.sql(`SELECT client_id, kind, record_id, station_code, event_date, errors FROM intake_rejection ORDER BY record_id NULLS LAST`);
    expect(rows).toEqual([
      { client_id: clients.health, kind: 'birth-notice', record_id: 'BN-bad', station_code: '511325000001', event_date: null, errors: [{ path: '/eventDate', code: 'format' }] },
      { client_id: clients.health, kind: 'birth-notice', record_id: null, station_code: null, event_date: '2025-03-01', errors: [{ path: '', code: 'not-an-object' }] },
    ]);
    expect((await log.countByState()).accepted).toBe((await ctx.sql(`SELECT count(*)::int AS n FROM inbound_message`))[0].n);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of a logged message', async () => {
    await expect(ctx.sql(`UPDATE inbound_message SET payload = '{}' WHERE client_id = $1`, [clients.police])).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`DELETE FROM inbound_message WHERE client_id = $1`, [clients.police])).rejects.toThrow(/append-only/);
    await expect(ctx.sql(`TRUNCATE inbound_message CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('verifies every client’s chain, and names the first broken link when a row is changed behind the guard’s back', async () => {
    const clean = await log.verifyChains();
    const [{ n }] = await ctx.sql(`SELECT count(*)::int AS n FROM inbound_message`);
    expect(clean).toEqual({ checked: n, clients: 2, breaks: [] });

    // Only a superuser can do this: the test plays the intruder the chain is there to expose.
    const [row] = await ctx.sql(`SELECT id, chain_seq::text AS seq FROM inbound_message WHERE client_id = $1 AND record_id = 'HK-2'`, [clients.police]);
    await ctx.sql(`ALTER TABLE inbound_message DISABLE TRIGGER inbound_message_guard`);
    await ctx.sql(`UPDATE inbound_message SET payload = '{"recordId":"HK-2","forged":true}' WHERE id = $1`, [row.id]);
    await ctx.sql(`ALTER TABLE inbound_message ENABLE TRIGGER inbound_message_guard`);
    const checked = await log.verifyChains();
    expect(checked.breaks).toEqual([{ clientId: clients.police, chainSeq: row.seq, messageId: row.id, reason: 'payload does not match its SHA-256' }]);
  });
});
