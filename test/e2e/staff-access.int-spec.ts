import { STAFF_ROLES, type StaffRole } from '@sanxian/domain';
import { StaffRepository } from '@sanxian/persistence';
import { ACCESS_POLICY, type Operation, reachOf } from '../../apps/api/src/auth/access-policy';
import { Hub, startHub } from '../support/hub-harness';

const PASSWORD = 'access-matrix-2026';
const ID = '00000000-0000-4000-8000-000000000000';

/**
 * One request per route of the staff API, with the policy entry it is governed by. Paths and
 * bodies are such that an allowed role gets past the guard and is answered by the handler
 * (200, or 400/404/405/409 about the request), a role not allowed gets 403.
 */
const ROUTES: { method: string; path: string; operation: Operation; request?: string; body?: unknown }[] = [
  { method: 'get', path: '/v1/me', operation: 'me.read' },
  { method: 'post', path: '/v1/auth/sign-out', operation: 'auth.sign-out', request: 'skip' },
  { method: 'get', path: '/v1/discrepancies', operation: 'discrepancies.list' },
  { method: 'get', path: '/v1/discrepancies/counts', operation: 'discrepancies.counts' },
  { method: 'get', path: '/v1/discrepancies/{id}', operation: 'discrepancies.read' },
  { method: 'post', path: '/v1/discrepancies/{id}/resolution', operation: 'discrepancies.resolve', body: {} },
  { method: 'post', path: '/v1/discrepancies/assignment', operation: 'discrepancies.assign', body: {} },
  { method: 'post', path: '/v1/discrepancies/{id}/assignment', operation: 'discrepancies.assign', body: {} },
  { method: 'post', path: '/v1/discrepancies/{id}/verification-requests', operation: 'verification-requests.send', body: {} },
  { method: 'get', path: '/v1/discrepancies/{id}/verification-requests', operation: 'verification-requests.read' },
  { method: 'get', path: '/v1/verification-requests', operation: 'verification-requests.list' },
  { method: 'get', path: '/v1/link-reviews', operation: 'link-reviews.list' },
  { method: 'get', path: '/v1/link-reviews/{id}', operation: 'link-reviews.read', request: '/v1/link-reviews/1' },
  { method: 'post', path: '/v1/link-reviews/{id}/decision', operation: 'link-reviews.decide', request: '/v1/link-reviews/1/decision', body: {} },
  { method: 'get', path: '/v1/reconciliations', operation: 'reconciliations.list' },
  { method: 'post', path: '/v1/reconciliations', operation: 'reconciliations.start', body: { townshipCode: 'not a code' } },
  { method: 'get', path: '/v1/plans', operation: 'plans.list' },
  { method: 'post', path: '/v1/plans', operation: 'plans.publish', body: {} },
  { method: 'put', path: '/v1/plans', operation: 'plans.edit', body: {} },
  { method: 'patch', path: '/v1/plans', operation: 'plans.edit', body: {} },
  { method: 'get', path: '/v1/plans/{year}', operation: 'plans.read' },
  { method: 'put', path: '/v1/plans/{year}', operation: 'plans.edit', body: {} },
  { method: 'patch', path: '/v1/plans/{year}', operation: 'plans.edit', body: {} },
  { method: 'delete', path: '/v1/plans/{year}', operation: 'plans.edit' },
  { method: 'post', path: '/v1/indicators/compute', operation: 'indicators.compute', body: {} },
  { method: 'get', path: '/v1/assessments/{year}/inputs', operation: 'assessment-inputs.list' },
  { method: 'post', path: '/v1/assessments/{year}/inputs', operation: 'assessment-inputs.enter', body: {} },
  { method: 'get', path: '/v1/assessments/{year}/publication', operation: 'assessment-publication.read' },
  { method: 'post', path: '/v1/assessments/{year}/publication', operation: 'assessment-publication.publish', body: {} },
  { method: 'post', path: '/v1/assessments/{year}/inputs/{inputId}/withdrawal', operation: 'assessment-inputs.withdraw', request: '/v1/assessments/2026/inputs/1/withdrawal', body: {} },
  { method: 'get', path: '/v1/assessments/{year}/ledger', operation: 'ledger.read' },
  { method: 'post', path: '/v1/assessments/{year}/ledger/decisions', operation: 'ledger.decide', body: {} },
  { method: 'get', path: '/v1/assessments/{year}/ledger.xlsx', operation: 'ledger.export' },
  { method: 'get', path: '/v1/assessments/{year}/letters', operation: 'letters.list', request: '/v1/assessments/2026/letters' },
  { method: 'post', path: '/v1/assessments/{year}/letters', operation: 'letters.record', request: '/v1/assessments/2026/letters', body: {} },
  { method: 'get', path: '/v1/assessments/{year}/letters/{unitId}', operation: 'letters.read', request: '/v1/assessments/2026/letters/511325101' },
  { method: 'get', path: '/v1/assessments/{year}/letters/{unitId}/docx', operation: 'letters.read', request: '/v1/assessments/2026/letters/511325101/docx' },
  { method: 'get', path: '/v1/scoreboard', operation: 'scoreboard.read', request: '/v1/scoreboard?year=2026' },
  { method: 'get', path: '/v1/scoreboard.xlsx', operation: 'scoreboard.read', request: '/v1/scoreboard.xlsx?year=2026' },
  { method: 'get', path: '/v1/scoreboard.csv', operation: 'scoreboard.read', request: '/v1/scoreboard.csv?year=2026&line=business' },
  { method: 'get', path: '/v1/scoreboard/units/{unitId}', operation: 'scoreboard.read', request: '/v1/scoreboard/units/511325101?year=2026' },
  {
    method: 'get', path: '/v1/scoreboard/units/{unitId}/indicators/{indicatorId}/records', operation: 'scoreboard.records',
    request: '/v1/scoreboard/units/511325101/indicators/births/records?year=2026',
  },
  { method: 'get', path: '/v1/exchange/monitor', operation: 'monitor.read' },
  { method: 'post', path: '/v1/exchange/monitor/dead/replay', operation: 'monitor.replay', body: {} },
  { method: 'get', path: '/v1/staff', operation: 'staff.directory' },
  { method: 'post', path: '/v1/inspection/campaigns', operation: 'inspection-campaigns.create', body: {} },
  { method: 'get', path: '/v1/inspection/campaigns', operation: 'inspection-campaigns.list' },
  { method: 'get', path: '/v1/inspection/campaigns/{id}', operation: 'inspection-campaigns.read' },
  { method: 'post', path: '/v1/inspection/campaigns/{id}/freeze', operation: 'inspection-campaigns.freeze', body: {} },
  { method: 'post', path: '/v1/inspection/campaigns/{id}/publication', operation: 'inspection-campaigns.publish', body: {} },
  { method: 'get', path: '/v1/inspection/campaigns/{id}/record', operation: 'inspection-campaigns.record' },
  { method: 'get', path: '/v1/inspection/campaigns/{id}/verification', operation: 'inspection-campaigns.verify' },
  ...(['draw', 'close'] as const).map((action) => ({
    method: 'post', path: `/v1/inspection/campaigns/{id}/days/{day}/teams/{team}/${action}`, operation: `inspection-draws.${action}` as Operation,
    request: `/v1/inspection/campaigns/${ID}/days/2026-12-08/teams/A/${action}`, body: {},
  })),
  {
    method: 'get', path: '/v1/inspection/campaigns/{id}/days/{day}/teams/{team}/draw', operation: 'inspection-draws.read',
    request: `/v1/inspection/campaigns/${ID}/days/2026-12-08/teams/A/draw`,
  },
  {
    method: 'get', path: '/v1/inspection/campaigns/{id}/days/{day}/teams/{team}/draw/frame', operation: 'inspection-draws.frame',
    request: `/v1/inspection/campaigns/${ID}/days/2026-12-08/teams/A/draw/frame`,
  },
  { method: 'get', path: '/v1/signing-keys', operation: 'signing-keys.list' },
  { method: 'post', path: '/v1/staff/{staffId}/signing-keys', operation: 'signing-keys.enroll', request: `/v1/staff/${ID}/signing-keys`, body: {} },
  { method: 'post', path: '/v1/signing-keys/{keyId}/revocation', operation: 'signing-keys.revoke', request: `/v1/signing-keys/${'0'.repeat(64)}/revocation`, body: {} },
  { method: 'post', path: '/v1/survey-returns', operation: 'survey-returns.submit', body: {} },
  { method: 'get', path: '/v1/survey-returns/{returnId}', operation: 'survey-returns.read', request: `/v1/survey-returns/${ID}` },
];

const REGION: Record<StaffRole, string | null> = { admin: null, county: null, township: '511325101', inspector: null, department: 'health' };

describe('the access policy, role by role, over every route of the staff API', () => {
  let hub: Hub;
  const tokens = {} as Record<StaffRole, string>;

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    const staff = hub.api.get(StaffRepository);
    for (const role of STAFF_ROLES) {
      await staff.create(`access.${role}`, PASSWORD, role, REGION[role]);
      const res = await fetch(`${hub.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `access.${role}`, password: PASSWORD }) });
      tokens[role] = ((await res.json()) as any).accessToken;
    }
  });
  afterAll(() => hub?.close());

  it('lists every bearer route of the OpenAPI document here, and every policy entry is used', async () => {
    const document: any = await (await fetch(`${hub.url}/docs/openapi.json`)).json();
    const documented = Object.entries(document.paths as Record<string, Record<string, any>>)
      .flatMap(([path, methods]) => Object.entries(methods).filter(([, op]) => op.security?.some((s: object) => 'bearer' in s)).map(([method]) => `${method} ${path}`))
      .filter((route) => route !== 'get /metrics')
      .sort();
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(documented);
    expect([...new Set(ROUTES.map((r) => r.operation))].sort()).toEqual(Object.keys(ACCESS_POLICY).sort());
  });

  it('answers every route of the OpenAPI document without credentials with 401, but sign-in and health', async () => {
    const document: any = await (await fetch(`${hub.url}/docs/openapi.json`)).json();
    const open = new Set(['post /v1/auth/token', 'get /health/live', 'get /health/ready']);
    const routes = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
    expect(routes.length).toBeGreaterThan(40);
    const answers: string[] = [];
    for (const { method, path } of routes.filter((r) => !open.has(`${r.method} ${r.path}`))) {
      const url = hub.url + path.replace('{kindPath}', 'birth-notices').replace(/\{[^}]+\}/g, '1');
      const res = await fetch(url, { method: method.toUpperCase(), headers: method === 'get' || method === 'delete' ? {} : { 'content-type': 'application/json' }, body: method === 'get' || method === 'delete' ? undefined : '{}' });
      await res.arrayBuffer();
      if (res.status !== 401) answers.push(`${method} ${path}: ${res.status}`);
    }
    expect(answers).toEqual([]);
  });

  const cases = ROUTES.filter((r) => r.request !== 'skip').flatMap((route) => STAFF_ROLES.map((role) => ({ route, role })));
  it.each(cases.map(({ route, role }) => [`${route.method.toUpperCase()} ${route.path}`, role, reachOf(route.operation, role) ? 'allowed' : '403', route] as const))(
    '%s as %s: %s',
    async (_name, role, expected, route) => {
      const path = route.request ?? route.path.replace('{id}', ID).replace('{year}', '2026');
      const res = await fetch(hub.url + path, {
        method: route.method.toUpperCase(),
        headers: { authorization: `Bearer ${tokens[role]}`, ...(route.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: route.body === undefined ? undefined : JSON.stringify(route.body),
      });
      const text = await res.text();
      if (expected === '403') expect([res.status, text]).toEqual([403, expect.any(String)]);
      else {
        expect(res.status).not.toBe(401);
        expect(res.status).not.toBe(403);
        expect(res.status).toBeLessThan(500);
      }
    },
  );

  it("answers a township user another township's discrepancy with 404 (read, resolve, in lists not at all), and their own with 200", async () => {
    const [run] = await hub.sql(`INSERT INTO reconciliation_run (trigger, status, as_of) VALUES ('test', 'done', '2026-06-30') RETURNING id`);
    const seed = (township: string) =>
      hub.sql(
        `INSERT INTO discrepancy (key, kind, region_code, township_code, subject, subject_citizen_id, subject_name, evidence, due_at, raised_by_run, last_seen_run)
         VALUES ($1, 'birth-not-on-card', $2, $3, '{}', '511325199001011234', '张秀英', '{}', '2026-07-20', $4, $4) RETURNING id`,
        [`access-${township}`, `${township}001`, township, run.id],
      ).then(([row]) => row.id as string);
    const own = await seed('511325101');
    const other = await seed('511325102');
    const call = (role: StaffRole, method: string, path: string, body?: unknown) =>
      fetch(hub.url + path, { method, headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await call('township', 'GET', `/v1/discrepancies/${own}`)).status).toBe(200);
    expect((await call('township', 'GET', `/v1/discrepancies/${other}`)).status).toBe(404);
    expect((await call('township', 'POST', `/v1/discrepancies/${other}/resolution`, { action: 'dismiss', comment: 'not mine' })).status).toBe(404);
    const listed: any = await (await call('township', 'GET', '/v1/discrepancies')).json();
    expect(listed.items.map((d: any) => d.id)).toEqual([own]);
    for (const role of ['admin', 'county', 'inspector'] as const) expect((await call(role, 'GET', `/v1/discrepancies/${other}`)).status).toBe(200);
    expect((await call('department', 'GET', `/v1/discrepancies/${other}`)).status).toBe(403);
    expect((await call('department', 'GET', '/v1/discrepancies')).status).toBe(403);
  });

  it('refuses a department liaison another agency (403), and a township user another township\'s run (403) and records (404)', async () => {
    const call = (role: StaffRole, path: string, init: RequestInit = {}) =>
      fetch(hub.url + path, { ...init, headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
    expect((await call('department', '/v1/exchange/monitor?agency=health')).status).toBe(200);
    expect((await call('department', '/v1/exchange/monitor?agency=public-security')).status).toBe(403);
    expect((await call('township', '/v1/reconciliations', { method: 'POST', body: JSON.stringify({ townshipCode: '511325102' }) })).status).toBe(403);
    const me: any = await (await call('township', '/v1/me')).json();
    expect(me.scope).toEqual({ level: 'township', code: '511325101' });
  });
});
