import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ClientRepository, PersonalDataCipher, SecretBox } from '@sanxian/persistence';
import { runCli } from '../support/cli-process';
import { sealedFormerly } from '../support/former-seal';
import { persistenceSuite } from '../support/persistence-context';
import { processRecords } from '../support/process-records';
import { registryCard } from '../support/record-factory';
import { TEST_REDIS_URL } from '../support/test-database';

jest.setTimeout(120_000);

/**
 * `sanxian secrets rotate` as an operator runs it: everything sealed under the hub's key (client
 * secrets, citizen ids and names, their keyed hashes) moves to a new key in one transaction.
 */
describe('`sanxian secrets rotate`', () => {
  const oldKey = randomBytes(32);
  const ctx = persistenceSuite({ env: { SECRETS_KEY: oldKey.toString('base64') }, clients: { fp: 'family-planning' } });
  const dir = mkdtempSync(join(tmpdir(), 'sanxian-rotate-'));
  const newKeyFile = join(dir, 'new-secrets.key');
  let env: Record<string, string>;
  let secret: string;
  const cards = [registryCard(1, 7), registryCard(2, 7)];

  beforeAll(async () => {
    env = { NODE_ENV: 'test', DATABASE_URL: ctx.db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: ctx.config.queuePrefix, LOG_LEVEL: 'error', SECRETS_KEY: oldKey.toString('base64') };
    await processRecords(ctx, ctx.clients.fp, 'registry-card', cards);
    secret = (await ctx.get(ClientRepository).findCredentials(ctx.clients.fp))!.secret;
    // The first card's woman as a database sealed before the current format holds her: rotation re-seals her too.
    const { citizenId, name } = woman(cards[0]);
    for (const [table, key] of [['registry_woman', 'card_id = $3'], ['canonical_fact', `kind = 'registry-card' AND role = 'woman' AND detail->>'cardId' = $3`]]) {
      await ctx.sql(`UPDATE ${table} SET citizen_id = $1, name = $2 WHERE ${key}`, [sealedFormerly(oldKey, citizenId), sealedFormerly(oldKey, name), cards[0].cardId]);
    }
  });

  const sealedRows = () =>
    ctx.sql<{ citizen_id: string; name: string; citizen_id_hash: string }>(`SELECT citizen_id, name, citizen_id_hash FROM registry_woman ORDER BY card_id`);
  const woman = (card: Record<string, unknown>) => card.woman as { citizenId: string; name: string };

  it('refuses while an api or worker is connected, changing nothing', async () => {
    const before = await sealedRows();
    const api = new Client({ connectionString: ctx.db.url, application_name: 'sanxian-api' });
    await api.connect();
    try {
      const run = runCli(['secrets', 'rotate', '--new-key-file', newKeyFile], env);
      expect(run.stderr).toMatch(/stop the api and worker first.*sanxian-api \(1 session\(s\)\)/);
      expect(run.status).toBe(2);
    } finally {
      await api.end();
    }
    expect(await sealedRows()).toEqual(before);
    expect(() => statSync(newKeyFile)).toThrow(/ENOENT/);
  });

  it('seals client secrets and every citizen id and name under a new key it makes, with new keyed hashes', async () => {
    const formerly = await ctx.sql(
      `SELECT (SELECT count(*)::int FROM registry_woman WHERE citizen_id LIKE 'p1:%' AND name LIKE 'p1:%') AS women,
              (SELECT count(*)::int FROM canonical_fact WHERE citizen_id LIKE 'p1:%' AND name LIKE 'p1:%') AS facts`,
    );
    expect(formerly).toEqual([{ women: 1, facts: 1 }]);
    const run = runCli(['secrets', 'rotate', '--new-key-file', newKeyFile, '--json'], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ clients: 1, newKeyFile, created: true, personalData: expect.any(Number) });
    expect(statSync(newKeyFile).mode & 0o777).toBe(0o600);
    const newKey = Buffer.from(readFileSync(newKeyFile, 'utf8').trim(), 'base64');
    const [before, after] = [new PersonalDataCipher(oldKey), new PersonalDataCipher(newKey)];

    const rows = await sealedRows();
    expect(rows.every((r) => r.citizen_id.startsWith('p2:') && r.name.startsWith('p2:'))).toBe(true); // the current format, p1: values too
    expect(rows.map((r) => [after.open(r.citizen_id), after.open(r.name), r.citizen_id_hash])).toEqual(
      cards.map((c) => [woman(c).citizenId, woman(c).name, after.lookup(woman(c).citizenId)]),
    );
    expect(() => before.open(rows[0].citizen_id)).toThrow();
    const facts = await ctx.sql(`SELECT citizen_id, name, citizen_id_hash FROM canonical_fact WHERE citizen_id IS NOT NULL`);
    expect(facts.length).toBeGreaterThan(2);
    for (const f of facts) expect(f.citizen_id_hash).toBe(after.lookup(after.open(f.citizen_id)));
    expect(facts.filter((f) => !f.citizen_id.startsWith('p2:') || !f.name.startsWith('p2:'))).toEqual([]);

    const [client] = await ctx.sql(`SELECT secret_ciphertext FROM exchange_client`);
    expect(new SecretBox(newKey).open(client.secret_ciphertext)).toBe(secret);
    expect(() => new SecretBox(oldKey).open(client.secret_ciphertext)).toThrow();
  });

  it('refuses a "new" key that is the one in use', () => {
    const run = runCli(['secrets', 'rotate', '--new-key-file', newKeyFile], { ...env, SECRETS_KEY: readFileSync(newKeyFile, 'utf8').trim() });
    expect(run.stderr).toMatch(/holds the key in use now/);
    expect(run.status).toBe(2);
  });
});
