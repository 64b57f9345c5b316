import { hkdfSync, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { StaffRepository } from '@sanxian/persistence';
import { listenForMetrics } from '../../apps/api/src/metrics.controller';
import { runCli } from '../support/cli-process';
import { Hub, startHub } from '../support/hub-harness';

const PASSWORD = '计生办-staffsec-2026';

/** A token signed as the api signs them, with the key of a hub (or any other key). */
function tokenSigner(key: Buffer) {
  return new JwtService({ secret: Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'sanxian staff tokens', 32)), signOptions: { expiresIn: 600, algorithm: 'HS256' } });
}

describe('staff sign-in, tokens and audit', () => {
  let hub: Hub;
  let admin: { id: string };

  const signIn = (username: unknown, password: unknown, headers: Record<string, string> = {}) =>
    fetch(`${hub.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ username, password }) });
  const tokenOf = async (username: string) => ((await (await signIn(username, PASSWORD)).json()) as any).accessToken as string;
  const get = (path: string, token: string, url = hub.url) => fetch(url + path, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    hub = await startHub({ worker: false, env: { SIGN_IN_FAILURES_PER_USER_AND_ADDRESS: '3', SIGN_IN_FAILURES_PER_USER: '6', SIGN_IN_BLOCK_SECONDS: '120', METRICS_TOKEN: 'metrics-token-of-this-suite' } });
    const staff = hub.api.get(StaffRepository);
    admin = await staff.create('sec.admin', PASSWORD, 'admin', null);
    await staff.create('sec.county', PASSWORD, 'county', null);
    await staff.create('sec.victim', PASSWORD, 'county', null);
    await staff.create('sec.leaver', PASSWORD, 'township', '511325101');
  });
  afterAll(() => hub?.close());

  it('answers a username with NUL, a lone surrogate or 10,000 characters with 400 naming the field, not 500', async () => {
    for (const username of ['adm\u0000', 'adm\ud800', 'x'.repeat(10_000)]) {
      const res = await signIn(username, 'x');
      expect(res.status).toBe(400);
      expect(((await res.json()) as any).errors).toEqual([expect.objectContaining({ field: 'username' })]);
    }
    expect((await signIn('sec.admin', 42)).status).toBe(400);
    const notJson = await fetch(`${hub.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1,2' });
    expect(notJson.status).toBe(400);
  });

  it('refuses a token signed with another key (the old source constant, or another installation), in development and in production', async () => {
    const oldConstant = Buffer.from('sanxian-hub-development-only-key');
    const production = await startHub({ worker: false, db: hub.db, env: { NODE_ENV: 'production', SECRETS_KEY: hub.env.SECRETS_KEY } });
    try {
      for (const url of [hub.url, production.url]) {
        for (const key of [oldConstant, Buffer.alloc(32)]) {
          const forged = await tokenSigner(key).signAsync({ sub: admin.id, gen: 0, role: 'admin' }, { jwtid: randomUUID() });
          expect((await get('/v1/me', forged, url)).status).toBe(401);
        }
        // The suite's own key signs tokens the hub takes: the refusals above are about the key.
        const genuine = await tokenSigner(hub.config.secretsKey).signAsync({ sub: admin.id, gen: 0 }, { jwtid: randomUUID() });
        expect((await get('/v1/me', genuine, url)).status).toBe(200);
      }
    } finally {
      await production.close();
    }
  });

  it('refuses an unsigned token (alg none) and one signed with another algorithm', async () => {
    const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: admin.id, gen: 0, jti: randomUUID(), iat: now, exp: now + 600 };
    expect((await get('/v1/me', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`)).status).toBe(401);
    const hs512 = await new JwtService({ secret: Buffer.from(hkdfSync('sha256', hub.config.secretsKey, Buffer.alloc(0), 'sanxian staff tokens', 32)) })
      .signAsync({ sub: admin.id, gen: 0 }, { jwtid: randomUUID(), algorithm: 'HS512', expiresIn: 600 });
    expect((await get('/v1/me', hs512)).status).toBe(401);
  });

  it('computes at most PASSWORD_HASH_CONCURRENCY hashes at once and refuses sign-ins beyond its queue with 503 and Retry-After', async () => {
    const narrow = await startHub({ worker: false, db: hub.db, env: { SECRETS_KEY: hub.env.SECRETS_KEY, PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' } });
    try {
      const burst = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          fetch(`${narrow.url}/v1/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `burst.${i}`, password: 'wrong password' }) }),
        ),
      );
      const statuses = burst.map((r) => r.status);
      expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
      expect(statuses).toContain(401);
      expect(statuses).toContain(503);
      expect(burst.find((r) => r.status === 503)!.headers.get('retry-after')).toBe('1');
    } finally {
      await narrow.close();
    }
  });

  it('answers a correctly signed token with a malformed subject, id or generation with 401', async () => {
    const signer = tokenSigner(hub.config.secretsKey);
    for (const payload of [{ sub: 'not-a-uuid', gen: 0 }, { sub: `${admin.id}\u0000`, gen: 0 }, { sub: admin.id, gen: 'x' }, { sub: admin.id, gen: 0, jti: 'nope' }, { sub: 7, gen: 0 }]) {
      const { jti, ...claims } = payload as any;
      const token = await signer.signAsync(claims, { jwtid: jti ?? randomUUID() });
      const res = await get('/v1/me', token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('throttles failed sign-ins per username and address with 429 and Retry-After, the right password included, and unknown usernames alike', async () => {
    for (let i = 0; i < 3; i++) expect((await signIn('sec.victim', `wrong ${i}`)).status).toBe(401);
    const blocked = await signIn('sec.victim', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(120);
    expect(blocked.headers.get('content-type')).toContain('application/problem+json');
    // Unknown usernames are counted the same way: nothing tells them from known ones.
    for (let i = 0; i < 3; i++) expect((await signIn('sec.nobody', `wrong ${i}`)).status).toBe(401);
    expect((await signIn('sec.nobody', 'again')).status).toBe(429);
    // Other users from this address are not affected by another username's block.
    expect((await signIn('sec.county', PASSWORD)).status).toBe(200);
    const refused = await hub.sql(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.token.refused' AND username = 'sec.victim'`);
    expect(refused[0].n).toBe(3);
  });

  it('counts failures of one username from many addresses (X-Forwarded-For is not believed by default)', async () => {
    // With TRUST_PROXY unset, a forged X-Forwarded-For does not make a new address: the per-address counter stops this at 3 as well.
    for (let i = 0; i < 3; i++) expect((await signIn('sec.county', `wrong ${i}`, { 'x-forwarded-for': `10.0.0.${i}` })).status).toBe(401);
    expect((await signIn('sec.county', 'wrong', { 'x-forwarded-for': '10.0.0.99' })).status).toBe(429);
  });

  it('ends a token at sign-out, and every token of a user disabled from the CLI (also after they are enabled again)', async () => {
    const token = await tokenOf('sec.admin');
    const other = await tokenOf('sec.admin');
    expect((await get('/v1/me', token)).status).toBe(200);
    const out = await fetch(`${hub.url}/v1/auth/sign-out`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    expect((await get('/v1/me', token)).status).toBe(401);
    expect((await get('/v1/me', other)).status).toBe(200);

    const leaver = await tokenOf('sec.leaver');
    expect((await get('/v1/me', leaver)).status).toBe(200);
    const cliEnv = { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, SECRETS_KEY: hub.env.SECRETS_KEY, LOG_LEVEL: 'error' };
    const disabled = runCli(['users', 'disable', 'sec.leaver'], cliEnv);
    expect(disabled.status).toBe(0);
    expect((await get('/v1/me', leaver)).status).toBe(401);
    expect((await signIn('sec.leaver', PASSWORD)).status).toBe(401);
    expect(runCli(['users', 'enable', 'sec.leaver'], cliEnv).status).toBe(0);
    expect((await get('/v1/me', leaver)).status).toBe(401);
    expect((await get('/v1/me', await tokenOf('sec.leaver'))).status).toBe(200);
    expect(runCli(['users', 'disable', 'sec.nobody'], cliEnv).status).not.toBe(0);

    const audit = await hub.sql(`SELECT action FROM audit_log WHERE action IN ('auth.sign-out', 'user.disable', 'user.enable') ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['auth.sign-out', 'user.disable', 'user.enable']);
    await expect(hub.sql(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
  });

  it('audits list reads once per request, with what was shown', async () => {
    const token = await tokenOf('sec.admin');
    const before = (await hub.sql(`SELECT max(id) AS id FROM audit_log`))[0].id;
    expect((await get('/v1/discrepancies?status=all&limit=20', token)).status).toBe(200);
    expect((await get('/v1/link-reviews', token)).status).toBe(200);
    expect((await get('/v1/staff?role=county', token)).status).toBe(200);
    expect((await get('/v1/exchange/monitor', token)).status).toBe(200);
    const rows = await hub.sql(`SELECT action, username, detail FROM audit_log WHERE id > $1 ORDER BY id`, [before]);
    expect(rows.map((r) => r.action)).toEqual(['discrepancy.list', 'link-review.list', 'staff.list', 'monitor.read']);
    expect(rows.every((r) => r.username === 'sec.admin')).toBe(true);
    expect(rows[0].detail).toMatchObject({ filter: { status: 'all' }, count: 0, ids: [] });
    expect(rows[2].detail).toMatchObject({ filter: { role: 'county' }, count: 2 });
    expect(rows[2].detail.ids).toHaveLength(2);
  });

  it('serves /metrics only with METRICS_TOKEN on the api port, and without a token on METRICS_PORT', async () => {
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(401);
    expect((await get('/metrics', 'another-token-entirely')).status).toBe(401);
    expect((await get('/metrics', await tokenOf('sec.admin'))).status).toBe(401);
    const scraped = await get('/metrics', 'metrics-token-of-this-suite');
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('sanxian_queue_jobs');

    const server = await listenForMetrics(hub.api, 0, '127.0.0.1');
    try {
      const port = (server.address() as { port: number }).port;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('sanxian_intake_batches_unfinished');
      expect((await fetch(`http://127.0.0.1:${port}/v1/me`)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
