import { ClientRepository } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('ClientRepository (exchange clients, their secrets and nonces)', () => {
  const ctx = persistenceSuite();
  let clients: ClientRepository;

  beforeAll(async () => {
    clients = ctx.get(ClientRepository);
  });

  it('creates a client whose secret is returned once, kept only sealed, and read back by its id', async () => {
    const { clientId, secret } = await clients.create('public-security', '公安局 户籍');
    expect(clientId).toMatch(/^ps-[0-9a-f]{12}$/);
    const [row] = await ctx.sql(`SELECT secret_ciphertext FROM exchange_client WHERE id = $1`, [clientId]);
    expect(row.secret_ciphertext).not.toContain(secret);
    expect(await clients.findCredentials(clientId)).toEqual({ id: clientId, agency: 'public-security', revoked: false, secret });
    expect(await clients.findCredentials('ps-000000000000')).toBeUndefined();
  });

  it('lists clients oldest first with the number of messages they have sent', async () => {
    const first = await clients.create('health', '卫健局');
    const second = await clients.create('civil-affairs', '民政局');
    const listed = (await clients.list()).filter((c) => [first.clientId, second.clientId].includes(c.id));
    expect(listed.map((c) => [c.id, c.agency, c.name, c.messages, c.revokedAt])).toEqual([
      [first.clientId, 'health', '卫健局', 0, null],
      [second.clientId, 'civil-affairs', '民政局', 0, null],
    ]);
  });

  it('revokes a client once: a second revocation keeps the first time; an unknown client is false', async () => {
    const { clientId } = await clients.create('family-planning', '计生 测试');
    expect(await clients.revoke(clientId)).toBe(true);
    const revokedAt = (await clients.list()).find((c) => c.id === clientId)!.revokedAt;
    expect(revokedAt).toBeInstanceOf(Date);
    expect(await clients.revoke(clientId)).toBe(true);
    expect((await clients.list()).find((c) => c.id === clientId)!.revokedAt).toEqual(revokedAt);
    expect((await clients.findCredentials(clientId))!.revoked).toBe(true);
    expect(await clients.revoke('fp-nosuchclient')).toBe(false);
  });

  it('remembers a nonce once per client, and forgets only the old ones', async () => {
    const a = await clients.create('health', 'A');
    const b = await clients.create('health', 'B');
    expect(await clients.rememberNonce(a.clientId, 'n-1')).toBe(true);
    expect(await clients.rememberNonce(a.clientId, 'n-1')).toBe(false);
    expect(await clients.rememberNonce(b.clientId, 'n-1')).toBe(true);
    await clients.rememberNonce(a.clientId, 'n-2');
    // The nonce table is a cache of recent requests, not evidence: ageing a row is fair set-up.
    await ctx.sql(`UPDATE exchange_nonce SET seen_at = now() - interval '1 hour' WHERE client_id = $1 AND nonce = 'n-1'`, [a.clientId]);
    expect(await clients.forgetNoncesOlderThan(600)).toBe(1);
    expect(await clients.rememberNonce(a.clientId, 'n-1')).toBe(true);
    expect(await clients.rememberNonce(a.clientId, 'n-2')).toBe(false);
    expect(await clients.rememberNonce(b.clientId, 'n-1')).toBe(false);
  });
});
