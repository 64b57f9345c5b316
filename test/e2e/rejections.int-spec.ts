import { birthNotice } from '../support/record-factory';
import { Hub, send, startHub, TestClient, waitFor } from '../support/hub-harness';

/* Refused records are not acknowledged, but kept with their errors: data validity is scored on them. */
describe('refused records are kept for the data-validity indicator', () => {
  let hub: Hub;
  let health: TestClient;

  beforeAll(async () => {
    hub = await startHub();
    health = await hub.createClient('health');
  });
  afterAll(() => hub?.close());

  it('keeps each rejection with its record id, station and errors; nothing of it enters the log', async () => {
    const good = birthNotice(1, 61);
    const bad = birthNotice(2, 61, { eventDate: '2025-13-40' });
    const res = await send(hub.url, health, 'POST', '/v1/exchange/birth-notices', { records: [good, bad] });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 1 });

    const [row] = await waitFor('the rejection row', async () => {
      const rows = await hub.sql(`SELECT client_id, kind, record_id, station_code, event_date, errors FROM intake_rejection`);
      return rows.length ? rows : undefined;
    });
    expect(row).toMatchObject({ client_id: health.clientId, kind: 'birth-notice', record_id: bad.recordId, station_code: '511325-FY', event_date: null });
    expect(row.errors[0]).toMatchObject({ path: '/eventDate' });
    const logged = await hub.sql(`SELECT record_id FROM inbound_message`);
    expect(logged.map((r) => r.record_id)).toEqual([good.recordId]);
  });
});
