import { StaffRepository } from '@sanxian/persistence';
import type { StaffRole } from '@sanxian/domain';
import { Hub, TestClient, send, startHub, waitFor, waitUntilProcessed } from '../support/hub-harness';
import { birthNotice, hukouChange, marriageRecord } from '../support/record-factory';
import { expectJson, staffCaller } from '../support/staff-api';

/**
 * The exchange monitor's API: who may see which agency (county-wide roles all, a department
 * liaison only the agency their account names, township offices nothing), that its counts are
 * the log's, and the replay of dead messages (administrators only, audited). Also the staff
 * directory the console's assignee picker reads.
 */
const PASSWORD = 'monitor-test-password';
const DAY = 86_400_000;
const TODAY = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.parse(TODAY) - n * DAY).toISOString().slice(0, 10);
/** A village whose facts the database is made to refuse, so that its messages die. */
const DOOMED_VILLAGE = '511325232203';
const STATION = { code: '511325521010', name: '西充县公安局太平派出所' };

type UserKey = 'admin' | 'county' | 'inspector' | 'health' | 'police' | 'noAgency' | 'township';

describe('the exchange monitor API', () => {
  let hub: Hub;
  const clients = {} as Record<'police' | 'health' | 'civil', TestClient>;
  const users = {} as Record<UserKey, { id: string; token: string }>;

  const call = staffCaller(() => hub, users);
  const json = expectJson;

  beforeAll(async () => {
    hub = await startHub({ worker: true });
    clients.police = await hub.createClient('public-security');
    clients.health = await hub.createClient('health');
    clients.civil = await hub.createClient('civil-affairs');
    const staff = hub.api.get(StaffRepository);
    const accounts: [UserKey, StaffRole, string | null][] = [
      ['admin', 'admin', null], ['county', 'county', null], ['inspector', 'inspector', null], ['health', 'department', 'health'],
      ['police', 'department', 'public-security'], ['noAgency', 'department', null], ['township', 'township', '511325101'],
    ];
    for (const [key, role, region] of accounts) {
      const user = await staff.create(`mon-${key}`, PASSWORD, role, region);
      const res = await fetch(`${hub.url}/v1/auth/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `mon-${key}`, password: PASSWORD }),
      });
      users[key] = { id: user.id, token: (await json(res, 200)).accessToken };
    }

    // Police: 4 on time and 3 late at one station, 1 without a station, 2 refused; health: 2 on time, 1 late, 1 refused; civil affairs: 1 late.
    const hukou = [
      ...[1, 2, 3, 4].map((i) => hukouChange(i, 31, { eventDate: daysAgo(5), policeStation: STATION })),
      ...[5, 6, 7].map((i) => hukouChange(i, 31, { eventDate: daysAgo(40), policeStation: STATION })),
      { ...hukouChange(8, 31, { eventDate: daysAgo(2) }), policeStation: undefined },
      hukouChange(9, 31, { eventDate: daysAgo(3), changeType: 'adoption', policeStation: STATION }),
      hukouChange(10, 31, { eventDate: 'yesterday', policeStation: STATION }),
    ];
    const notices = [
      birthNotice(1, 31, { eventDate: daysAgo(3) }), birthNotice(2, 31, { eventDate: daysAgo(10) }), birthNotice(3, 31, { eventDate: daysAgo(35) }),
      { ...birthNotice(4, 31, { eventDate: daysAgo(3) }), birthOrder: 0 },
    ];
    expect((await json(await send(hub.url, clients.police, 'POST', '/v1/exchange/hukou-changes', { records: hukou }), 202)).rejected).toBe(2);
    expect((await json(await send(hub.url, clients.health, 'POST', '/v1/exchange/birth-notices', { records: notices }), 202)).rejected).toBe(1);
    expect((await json(await send(hub.url, clients.civil, 'POST', '/v1/exchange/marriage-records', { records: [marriageRecord(1, 31, { eventDate: daysAgo(60) })] }), 202)).accepted).toBe(1);
    await waitUntilProcessed(hub, 12);
    await waitFor('the refusals kept', async () => (await hub.sql(`SELECT count(*)::int AS n FROM intake_rejection`))[0].n === 3);
  });
  afterAll(() => hub?.close());

  /** The counts the monitor must show for one agency, counted here straight from the tables. */
  async function sqlCounts(agency: string) {
    const [row] = await hub.sql(
      `SELECT
         (SELECT count(*) FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id WHERE c.agency = $1)::int AS received,
         (SELECT count(*) FROM inbound_message m JOIN exchange_client c ON c.id = m.client_id
            WHERE c.agency = $1 AND (m.received_at AT TIME ZONE 'Asia/Shanghai')::date - m.event_date > 30)::int AS late,
         (SELECT count(*) FROM intake_rejection r JOIN exchange_client c ON c.id = r.client_id WHERE c.agency = $1)::int AS rejected`,
      [agency],
    );
    return row;
  }

  it('answers 401 without a token and 403 to township users and department users without an agency', async () => {
    expect((await call(null, 'GET', '/v1/exchange/monitor')).status).toBe(401);
    const township = await json(await call('township', 'GET', '/v1/exchange/monitor'), 403);
    expect(township.detail).toContain('township');
    const none = await json(await call('noAgency', 'GET', '/v1/exchange/monitor'), 403);
    expect(none.detail).toContain('--region <agency>');
  });

  it('shows county-wide roles every agency, with counts equal to the log\'s', async () => {
    for (const user of ['admin', 'county', 'inspector'] as const) {
      const body = await json(await call(user, 'GET', '/v1/exchange/monitor'), 200);
      expect(body).toMatchObject({ from: daysAgo(29), to: TODAY, agency: null, lateAfterDays: 30 });
      expect(body.agencies.map((a: any) => a.agency)).toEqual(['public-security', 'civil-affairs', 'health', 'family-planning']);
      for (const agency of body.agencies) {
        const expected = await sqlCounts(agency.agency);
        expect([user, agency.agency, agency.received, agency.late, agency.rejected]).toEqual([user, agency.agency, expected.received, expected.late, expected.rejected]);
      }
    }
    const body = await json(await call('county', 'GET', '/v1/exchange/monitor'), 200);
    const police = body.agencies.find((a: any) => a.agency === 'public-security');
    expect(police).toEqual({ agency: 'public-security', received: 8, initialLoad: 0, late: 3, lateShare: 0.375, rejected: 2, dead: 0 });
    expect(body.totals).toEqual({ received: 12, initialLoad: 0, late: 5, rejected: 3, dead: 0, lateShare: Number((5 / 12).toFixed(4)) });
    // Every record was received today.
    expect(body.days).toEqual([
      { day: TODAY, agency: 'civil-affairs', received: 1, initialLoad: 0, late: 1, rejected: 0 },
      { day: TODAY, agency: 'health', received: 3, initialLoad: 0, late: 1, rejected: 1 },
      { day: TODAY, agency: 'public-security', received: 8, initialLoad: 0, late: 3, rejected: 2 },
    ]);
    // Per station: the police station's records (and one refusal that named it), the record without a station apart.
    const station = body.stations.find((s: any) => s.stationCode === STATION.code);
    expect(station).toMatchObject({ agency: 'public-security', received: 7, late: 3, rejected: 2, lateShare: Number((3 / 7).toFixed(4)) });
    expect(body.stations.find((s: any) => s.agency === 'public-security' && s.stationCode === null)).toMatchObject({ received: 1, late: 0 });
    const [{ n }] = await hub.sql(
      `SELECT count(*)::int AS n FROM canonical_fact WHERE detail->>'policeStation' = $1 AND role = 'subject' AND ordinal = 0`, [STATION.code],
    );
    expect(station.received).toBe(n);
    // Why records were refused, and the refusals themselves.
    expect(body.rejectionReasons).toEqual(expect.arrayContaining([
      expect.objectContaining({ agency: 'public-security', kind: 'hukou-change', path: '/changeType', code: 'enum', count: 1 }),
      expect.objectContaining({ agency: 'public-security', kind: 'hukou-change', path: '/eventDate', count: 1 }),
      expect.objectContaining({ agency: 'health', kind: 'birth-notice', path: '/birthOrder', count: 1 }),
    ]));
    expect(body.rejections).toHaveLength(3);
    expect(body.rejections.find((r: any) => r.recordId === 'HK-31-9')).toMatchObject({ agency: 'public-security', stationCode: STATION.code, eventDate: daysAgo(3) });
  });

  it('shows a department user their own agency only', async () => {
    const body = await json(await call('health', 'GET', '/v1/exchange/monitor'), 200);
    expect(body.agency).toBe('health');
    expect(body.agencies).toEqual([{ agency: 'health', ...(await sqlCounts('health')), initialLoad: 0, lateShare: Number((1 / 3).toFixed(4)), dead: 0 }]);
    expect(new Set([...body.days, ...body.stations, ...body.rejectionReasons, ...body.rejections].map((r: any) => r.agency))).toEqual(new Set(['health']));
    expect(body.totals.received).toBe(3);
    expect(await json(await call('health', 'GET', '/v1/exchange/monitor?agency=health'), 200)).toMatchObject({ agency: 'health' });
    const other = await json(await call('health', 'GET', '/v1/exchange/monitor?agency=public-security'), 403);
    expect(other.detail).toContain('own agency (health)');
    // County users may narrow to one agency.
    const narrowed = await json(await call('county', 'GET', '/v1/exchange/monitor?agency=civil-affairs'), 200);
    expect(narrowed.agencies.map((a: any) => a.agency)).toEqual(['civil-affairs']);
  });

  it('names the bad parameter in a 400', async () => {
    const cases: [string, string][] = [
      ['from=yesterday', 'from'], ['to=2026-02-30', 'to'], [`from=${TODAY}&to=${daysAgo(1)}`, 'from'], [`from=2024-01-01&to=${TODAY}`, 'from'], ['agency=police', 'agency'],
    ];
    for (const [query, field] of cases) {
      const problem = await json(await call('county', 'GET', `/v1/exchange/monitor?${query}`), 400);
      expect([query, problem.errors.map((e: any) => e.field)]).toEqual([query, [field]]);
    }
    // A period without records.
    const empty = await json(await call('county', 'GET', '/v1/exchange/monitor?from=2026-01-01&to=2026-01-31'), 200);
    expect(empty.totals).toMatchObject({ received: 0, late: 0, rejected: 0, lateShare: null });
    expect(empty.days).toEqual([]);
  });

  describe('dead messages', () => {
    let deadIds: string[];

    beforeAll(async () => {
      // A fault the worker cannot get past: the facts table refuses one village's rows, so its messages die after every attempt.
      await hub.sql(`CREATE FUNCTION refuse_fact() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`);
      await hub.sql(`CREATE TRIGGER refuse_fact BEFORE INSERT ON canonical_fact FOR EACH ROW WHEN (NEW.region_code = '${DOOMED_VILLAGE}') EXECUTE FUNCTION refuse_fact()`);
      const records = [11, 12].map((i) => hukouChange(i, 31, { eventDate: daysAgo(4), regionCode: DOOMED_VILLAGE, policeStation: STATION }));
      expect((await json(await send(hub.url, clients.police, 'POST', '/v1/exchange/hukou-changes', { records }), 202)).accepted).toBe(2);
      const rows = await waitFor('dead messages', async () => {
        const dead = await hub.sql(`SELECT id FROM message_state WHERE state = 'dead' ORDER BY record_id`);
        return dead.length === 2 ? dead : undefined;
      });
      deadIds = rows.map((r) => r.id);
    });

    it('lists them with their error, to whoever watches their agency', async () => {
      const body = await json(await call('county', 'GET', '/v1/exchange/monitor'), 200);
      expect(body.dead.total).toBe(2);
      expect(body.dead.items.map((d: any) => d.messageId).sort()).toEqual([...deadIds].sort());
      expect(body.dead.items[0]).toMatchObject({ agency: 'public-security', kind: 'hukou-change', clientId: clients.police.clientId, error: expect.stringContaining('disk on fire') });
      expect(body.agencies.find((a: any) => a.agency === 'public-security').dead).toBe(2);
      expect((await json(await call('police', 'GET', '/v1/exchange/monitor'), 200)).dead.total).toBe(2);
      expect((await json(await call('health', 'GET', '/v1/exchange/monitor'), 200)).dead).toEqual({ total: 0, items: [] });
    });

    it('replays them for administrators only, audited, and they are processed', async () => {
      for (const user of ['county', 'inspector', 'police'] as const) {
        await json(await call(user, 'POST', '/v1/exchange/monitor/dead/replay', { messageIds: [deadIds[0]] }), 403);
      }
      const bad: [unknown, string][] = [
        [{}, 'messageIds'], [{ messageIds: ['nope'] }, 'messageIds.0'], [{ messageIds: [] }, 'messageIds'], [{ all: true, messageIds: [deadIds[0]] }, 'all'],
        [{ all: 'yes' }, 'all'], [{ every: true }, 'every'],
      ];
      for (const [body, field] of bad) {
        const problem = await json(await call('admin', 'POST', '/v1/exchange/monitor/dead/replay', body), 400);
        expect([body, problem.errors.map((e: any) => e.field)]).toEqual([body, [field]]);
      }
      await hub.sql(`DROP TRIGGER refuse_fact ON canonical_fact`);

      const one = await json(await call('admin', 'POST', '/v1/exchange/monitor/dead/replay', { messageIds: [deadIds[0]] }), 200);
      expect(one).toEqual({ messages: 1, batches: 1, enqueued: true });
      await waitFor('the replayed message processed', async () => (await hub.sql(`SELECT state FROM message_state WHERE id = $1`, [deadIds[0]]))[0].state === 'processed');
      expect((await json(await call('county', 'GET', '/v1/exchange/monitor'), 200)).dead.total).toBe(1);
      await json(await call('admin', 'POST', '/v1/exchange/monitor/dead/replay', { messageIds: [deadIds[0]] }), 404);

      const all = await json(await call('admin', 'POST', '/v1/exchange/monitor/dead/replay', { all: true }), 200);
      expect(all).toMatchObject({ messages: 1, batches: 1 });
      await waitUntilProcessed(hub, 14);
      const states = await hub.sql(`SELECT state, count(*)::int AS n FROM message_state GROUP BY state`);
      expect(states).toEqual([{ state: 'processed', n: 14 }]);
      expect((await json(await call('county', 'GET', '/v1/exchange/monitor'), 200)).dead).toEqual({ total: 0, items: [] });

      const audit = await hub.sql(`SELECT user_id, username, action, target, detail FROM audit_log WHERE action = 'dead.replay' ORDER BY id`);
      expect(audit).toEqual([
        { user_id: users.admin.id, username: 'mon-admin', action: 'dead.replay', target: deadIds[0], detail: expect.objectContaining({ all: false, messageIds: [deadIds[0]], messages: 1 }) },
        expect.objectContaining({ target: 'all', detail: expect.objectContaining({ all: true, messages: 1 }) }),
      ]);
    });
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const { paths } = await json(await fetch(`${hub.url}/docs/openapi.json`), 200);
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/v1/exchange/monitor', '/v1/exchange/monitor/dead/replay', '/v1/staff']));
  });

  describe('the staff directory', () => {
    it('lists enabled users without password hashes, for admin and county users only', async () => {
      const body = await json(await call('county', 'GET', '/v1/staff'), 200);
      expect(body.items.map((u: any) => u.username)).toEqual(['mon-admin', 'mon-county', 'mon-health', 'mon-inspector', 'mon-noAgency', 'mon-police', 'mon-township']);
      for (const item of body.items) expect(Object.keys(item).sort()).toEqual(['id', 'regionCode', 'role', 'username']);
      expect(JSON.stringify(body)).not.toMatch(/scrypt|argon|password/i);
      expect(body.items.find((u: any) => u.username === 'mon-township')).toEqual({ id: users.township.id, username: 'mon-township', role: 'township', regionCode: '511325101' });

      expect((await json(await call('admin', 'GET', '/v1/staff?role=township'), 200)).items.map((u: any) => u.username)).toEqual(['mon-township']);
      expect((await json(await call('admin', 'GET', '/v1/staff?region=511325101'), 200)).items.map((u: any) => u.username)).toEqual(['mon-township']);
      expect((await json(await call('admin', 'GET', '/v1/staff?region=511325102'), 200)).items).toEqual([]);
      expect((await json(await call('county', 'GET', '/v1/staff?role=chief'), 400)).errors).toEqual([{ field: 'role', message: expect.stringContaining('must be one of') }]);
      expect((await json(await call('county', 'GET', '/v1/staff?region=51'), 400)).errors[0].field).toBe('region');
      for (const user of ['inspector', 'township', 'health'] as const) await json(await call(user, 'GET', '/v1/staff'), 403);

      // A disabled account is not offered.
      await hub.sql(`UPDATE staff_user SET disabled_at = now() WHERE username = 'mon-noAgency'`);
      expect((await json(await call('county', 'GET', '/v1/staff?role=department'), 200)).items.map((u: any) => u.username)).toEqual(['mon-health', 'mon-police']);
    });
  });
});
