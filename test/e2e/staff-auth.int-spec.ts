import { runCli } from '../support/cli-process';
import { Hub, startHub } from '../support/hub-harness';

describe('staff users and bearer tokens', () => {
  let hub: Hub;
  let env: Record<string, string>;

  beforeAll(async () => {
    hub = await startHub({ worker: false, env: { STAFF_TOKEN_TTL_SECONDS: '30' } });
    env = { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, LOG_LEVEL: 'error' };
  });
  afterAll(() => hub?.close());

  const token = (username: string, password: string) =>
    fetch(`${hub.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  it('creates a township user from the CLI, with the password on standard input and a memory-hard hash', async () => {
    const created = runCli(['users', 'create', '--username', 'zhang.xiuying', '--role', 'township', '--region', '511325101', '--password-stdin', '--json'], env, '多扶镇-计生办-2026\n');
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ username: 'zhang.xiuying', role: 'township', regionCode: '511325101' });
    const [row] = await hub.sql(`SELECT password_hash FROM staff_user WHERE username = 'zhang.xiuying'`);
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(row.password_hash).not.toContain('多扶镇');

    const bad = runCli(['users', 'create', '--username', 'x', '--role', 'township', '--password-stdin'], env, 'long enough password');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--region');
  });

  it('creates a village FP specialist as a township user with a 12-digit village code, whose scope is the village', async () => {
    const created = runCli(['users', 'create', '--username', 'li.cunzhuan', '--role', 'township', '--region', '511325101002', '--password-stdin', '--json'], env, '育英社区-专干-2026\n');
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ role: 'township', regionCode: '511325101002' });
    const signedIn = await token('li.cunzhuan', '育英社区-专干-2026');
    const { accessToken } = (await signedIn.json()) as { accessToken: string };
    const me = await (await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })).json();
    expect(me).toMatchObject({ role: 'township', scope: { level: 'village', code: '511325101002' } });
    const bad = runCli(['users', 'create', '--username', 'y', '--role', 'township', '--region', '5113251010', '--password-stdin'], env, 'long enough password');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--region must be the 9-digit township or 12-digit village code');
  });

  it('gives a bearer token for the right password only, and audits both', async () => {
    expect((await token('zhang.xiuying', 'wrong password')).status).toBe(401);
    const res = await token('zhang.xiuying', '多扶镇-计生办-2026');
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String), user: { role: 'township', regionCode: '511325101' } });
    const ttl = Date.parse(body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(31_000);

    const me: any = await (await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${body.accessToken}` } })).json();
    expect(me).toMatchObject({ username: 'zhang.xiuying', role: 'township', scope: { level: 'township', code: '511325101' } });

    const audit = await hub.sql(`SELECT action FROM audit_log WHERE username = 'zhang.xiuying' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['auth.token.refused', 'auth.token']);
    await expect(hub.sql(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  });

  it('refuses requests without a token, with a forged one, or for a disabled account', async () => {
    expect((await fetch(`${hub.url}/v1/me`)).status).toBe(401);
    const forged = (await (await token('zhang.xiuying', '多扶镇-计生办-2026')).json() as any).accessToken.replace(/.$/, 'A');
    expect((await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${forged}x` } })).status).toBe(401);
    const valid = (await (await token('zhang.xiuying', '多扶镇-计生办-2026')).json() as any).accessToken;
    await hub.sql(`UPDATE staff_user SET disabled_at = now() WHERE username = 'zhang.xiuying'`);
    const res = await fetch(`${hub.url}/v1/me`, { headers: { authorization: `Bearer ${valid}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
