import { IndicatorRepository, StaffRepository } from '@sanxian/persistence';
import { Hub, TestClient, send, startHub, waitUntilProcessed } from '../support/hub-harness';
import { hukouChange, registryCard } from '../support/record-factory';
import { expectJson } from '../support/staff-api';

/**
 * A delivery says what it is (`?load=initial|history`, signed with the path): the registry's
 * initial load and history imports are kept apart on their batches and are never late, in the
 * exchange monitor's headline or in the timeliness indicator; the regular flow still is.
 */
const PASSWORD = 'initial-load-password';
const DAY = 86_400_000;
const TODAY = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.parse(TODAY) - n * DAY).toISOString().slice(0, 10);

describe('initial loads and history imports', () => {
  let hub: Hub;
  let registry: TestClient;
  let police: TestClient;
  let token: string;

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    registry = await hub.createClient('family-planning');
    police = await hub.createClient('public-security');
    await hub.api.get(StaffRepository).create('load-county', PASSWORD, 'county', null);
    const res = await fetch(`${hub.url}/v1/auth/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'load-county', password: PASSWORD }),
    });
    token = (await expectJson(res, 200)).accessToken;

    // The registry as it stands: 6 cards last changed months ago, its initial load.
    const cards = [1, 2, 3, 4, 5, 6].map((i) => registryCard(i, 7, { eventDate: daysAgo(120 + i) }));
    expect((await expectJson(await send(hub.url, registry, 'POST', '/v1/exchange/registry-cards?load=initial', { records: cards }), 202)).accepted).toBe(6);
    // Police: 3 old records as a history import, then the regular flow: 2 on time and 1 late.
    const history = [1, 2, 3].map((i) => hukouChange(i, 7, { eventDate: daysAgo(200) }));
    expect((await expectJson(await send(hub.url, police, 'POST', '/v1/exchange/hukou-changes?load=history', { records: history }), 202)).accepted).toBe(3);
    const regular = [hukouChange(4, 7, { eventDate: daysAgo(2) }), hukouChange(5, 7, { eventDate: daysAgo(3) }), hukouChange(6, 7, { eventDate: daysAgo(45) })];
    expect((await expectJson(await send(hub.url, police, 'POST', '/v1/exchange/hukou-changes', { records: regular }), 202)).accepted).toBe(3);
    await waitUntilProcessed(hub, 12);
  });
  afterAll(() => hub?.close());

  it('keeps the load on the intake batches, not on the logged records', async () => {
    const rows = await hub.sql(`SELECT b.load, count(*)::int AS records FROM inbound_message m JOIN intake_batch b ON b.id = m.batch_id GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([{ load: 'history', records: 3 }, { load: 'initial', records: 6 }, { load: 'regular', records: 3 }]);
  });

  it('shows loads apart in the monitor: never late, and out of the late share', async () => {
    const res = await fetch(`${hub.url}/v1/exchange/monitor?from=${daysAgo(1)}&to=${TODAY}`, { headers: { authorization: `Bearer ${token}` } });
    const monitor = await expectJson(res, 200);
    expect(monitor.totals).toMatchObject({ received: 12, initialLoad: 9, late: 1, lateShare: Math.round(10_000 / 3) / 10_000 });
    const byAgency = Object.fromEntries(monitor.agencies.map((a: { agency: string }) => [a.agency, a]));
    expect(byAgency['family-planning']).toMatchObject({ received: 6, initialLoad: 6, late: 0, lateShare: null });
    expect(byAgency['public-security']).toMatchObject({ received: 6, initialLoad: 3, late: 1, lateShare: Math.round(10_000 / 3) / 10_000 });
  });

  it('leaves loads out of the timeliness indicator', async () => {
    const { byAgency } = await hub.api.get(IndicatorRepository).timeliness({ from: daysAgo(400), to: TODAY, asOf: TODAY }, 30);
    expect(byAgency.map((m) => ({ group: m.group, numerator: m.numerator, denominator: m.denominator }))).toEqual([{ group: 'public-security', numerator: 2, denominator: 3 }]);
  });

  it.each([
    ['/v1/exchange/hukou-changes?load=initial', 'load=initial is the family-planning registry'],
    ['/v1/exchange/hukou-changes?load=backlog', 'load must be one of regular, initial, history'],
  ])('refuses %s with a 400 naming the load', async (path, detail) => {
    const res = await send(hub.url, police, 'POST', path, { records: [hukouChange(9, 7, { eventDate: daysAgo(1) })] });
    const problem = await expectJson(res, 400);
    expect(problem).toMatchObject({ code: 'invalid-load' });
    expect(problem.detail).toContain(detail);
  });
});
