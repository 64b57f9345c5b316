import { hukouChange } from '../support/record-factory';
import { Hub, send, startHub, TestClient } from '../support/hub-harness';

/*
 * Replaying history (a county migrating its old exchange, the demo): with REPLAY_RECEIPT_TIMES the
 * receipt time is the signed time, so timeliness is measured as it was; without it, an old
 * signature is refused.
 */
describe('receipt times when history is replayed', () => {
  const monthAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
  let replaying: Hub;
  let live: Hub;
  let police: TestClient;
  let livePolice: TestClient;

  beforeAll(async () => {
    [replaying, live] = await Promise.all([startHub({ env: { REPLAY_RECEIPT_TIMES: 'true' } }), startHub()]);
    police = await replaying.createClient('public-security');
    livePolice = await live.createClient('public-security');
  });
  afterAll(() => Promise.all([replaying?.close(), live?.close()]));

  it('keeps the signed time as the receipt time in the log', async () => {
    const record = hukouChange(1, 71, { eventDate: '2025-01-02' });
    const res = await send(replaying.url, police, 'POST', '/v1/exchange/hukou-changes', { records: [record] }, { now: monthAgo });
    expect(res.status).toBe(202);
    const [row] = await replaying.sql(`SELECT received_at FROM inbound_message WHERE record_id = $1`, [record.recordId]);
    expect(Math.abs(new Date(row.received_at).getTime() - monthAgo.getTime())).toBeLessThan(1000);
  });

  it('still refuses a time ahead of the hub\'s clock', async () => {
    const ahead = new Date(Date.now() + 3600 * 1000);
    const res = await send(replaying.url, police, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(2, 71)] }, { now: ahead });
    expect(res.status).toBe(401);
  });

  it('refuses the same old signature from a live hub', async () => {
    const res = await send(live.url, livePolice, 'POST', '/v1/exchange/hukou-changes', { records: [hukouChange(3, 71)] }, { now: monthAgo });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('timestamp-expired');
  });
});
