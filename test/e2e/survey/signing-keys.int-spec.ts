import { randomUUID } from 'node:crypto';
import { returnContentHash } from '@sanxian/domain';
import { faithfulReturn, sampleVillage } from '@sanxian/domain/testing';
import { SurveyReturnRepository, UnitOfWork } from '@sanxian/persistence';
import { runCli } from '../../support/cli-process';
import { Hub, startHub } from '../../support/hub-harness';
import { deviceKey, signedBy } from '../../support/inspector-keys';
import { expectJson, signInStaff, staffCaller } from '../../support/staff-api';

type User = 'admin' | 'county' | 'inspector' | 'township';

describe("inspectors' signing keys (API and CLI as a process) and the survey returns' chain in `log verify`", () => {
  let hub: Hub;
  let env: Record<string, string>;
  const users = {} as Record<User, { id: string; token: string }>;
  const call = staffCaller(() => hub, users);

  beforeAll(async () => {
    hub = await startHub({ worker: false });
    env = { DATABASE_URL: hub.db.url, REDIS_URL: hub.env.REDIS_URL, QUEUE_PREFIX: hub.env.QUEUE_PREFIX, SECRETS_KEY: hub.env.SECRETS_KEY, LOG_LEVEL: 'error' };
    await signInStaff(hub, 'keys', 'keys-password-2026', [['admin', 'admin', null], ['county', 'county', null], ['inspector', 'inspector', null], ['township', 'township', '511325101']], users);
  });
  afterAll(() => hub?.close());

  it('an admin enrolls the public half of a key made by WebCrypto; it is listed, audited, and enrolling it again changes nothing', async () => {
    const key = await deviceKey('ECDSA-P256-SHA256');
    const body = { algorithm: key.algorithm, publicKey: key.publicKey, label: '组长手机' };
    const enrolled = await expectJson(await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, body), 201);
    expect(enrolled).toMatchObject({ status: 'enrolled', key: { keyId: key.keyId, staffId: users.inspector.id, username: 'keys-inspector', algorithm: 'ECDSA-P256-SHA256', revokedAt: null } });
    expect(await expectJson(await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, body), 201)).toMatchObject({ status: 'already-enrolled' });
    const listed = await expectJson(await call('county', 'GET', `/v1/signing-keys?staffId=${users.inspector.id}`), 200);
    expect(listed.items.map((k: any) => k.keyId)).toEqual([key.keyId]);
    const audit = await hub.sql(`SELECT action, username FROM audit_log WHERE target = $1`, [`signing-key:${key.keyId}`]);
    expect(audit).toEqual([{ action: 'signing-key.enroll', username: 'keys-admin' }]);
  });

  it('refuses a key that is not one, a private key, and a user who is not an inspector, naming why', async () => {
    const key = await deviceKey();
    const notAKey = await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, { algorithm: 'Ed25519', publicKey: Buffer.alloc(44, 1).toString('base64') });
    expect(notAKey.status).toBe(400);
    expect(await notAKey.json()).toMatchObject({ errors: [{ field: '/publicKey', message: 'is not an SPKI public key of Ed25519' }] });
    const withPrivate = await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, { algorithm: 'Ed25519', publicKey: key.publicKey, privateKey: 'x' });
    expect(await expectJson(withPrivate, 400)).toMatchObject({ errors: [{ field: '/privateKey' }] });
    const wrongAlgorithm = await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, { algorithm: 'ECDSA-P256-SHA256', publicKey: key.publicKey });
    expect(await expectJson(wrongAlgorithm, 400)).toMatchObject({ errors: [{ field: '/publicKey' }] });
    const township = await call('admin', 'POST', `/v1/staff/${users.township.id}/signing-keys`, { algorithm: 'Ed25519', publicKey: key.publicKey });
    expect(township.status).toBe(404);
    expect((await call('county', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, { algorithm: 'Ed25519', publicKey: key.publicKey })).status).toBe(403);
  });

  it('revokes a key once (audited); a revoked key no longer signs', async () => {
    const key = await deviceKey();
    await expectJson(await call('admin', 'POST', `/v1/staff/${users.inspector.id}/signing-keys`, { algorithm: 'Ed25519', publicKey: key.publicKey }), 201);
    const revoked = await expectJson(await call('admin', 'POST', `/v1/signing-keys/${key.keyId}/revocation`, { reason: '手机遗失' }), 200);
    expect(revoked.key).toMatchObject({ keyId: key.keyId, revocationReason: '手机遗失', revokedAt: expect.any(String) });
    expect((await call('admin', 'POST', `/v1/signing-keys/${key.keyId}/revocation`, { reason: 'again' })).status).toBe(409);
    expect((await call('admin', 'POST', `/v1/signing-keys/${'f'.repeat(64)}/revocation`, { reason: 'none' })).status).toBe(404);
    expect(await expectJson(await call('admin', 'POST', `/v1/signing-keys/${key.keyId}/revocation`, {}), 400)).toMatchObject({ errors: [{ field: '/reason' }] });
    expect((await hub.api.get(SurveyReturnRepository).activeKeys([key.keyId])).size).toBe(0);
  });

  it('`users keys add|list|revoke` enrolls, lists and revokes from the command line, audited as cli', async () => {
    const key = await deviceKey();
    const added = runCli(['users', 'keys', 'add', 'keys-inspector', '--public-key', key.publicKey, '--label', 'phone 2', '--json'], env);
    expect(added.stderr).toBe('');
    expect(JSON.parse(added.stdout)).toMatchObject({ status: 'enrolled', key: { keyId: key.keyId, username: 'keys-inspector' } });
    const listed = runCli(['users', 'keys', 'list', '--username', 'keys-inspector', '--json'], env);
    expect(JSON.parse(listed.stdout).map((k: any) => k.keyId)).toContain(key.keyId);
    const revoked = runCli(['users', 'keys', 'revoke', key.keyId, '--reason', 'retired'], env);
    expect([revoked.status, revoked.stdout.trim()]).toEqual([0, `revoked ${key.keyId} of keys-inspector`]);
    const refused = runCli(['users', 'keys', 'add', 'keys-township', '--public-key', key.publicKey], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('is not an enabled inspector');
    const audit = await hub.sql(`SELECT action, username FROM audit_log WHERE target = $1 ORDER BY id`, [`signing-key:${key.keyId}`]);
    expect(audit).toEqual([{ action: 'signing-key.enroll', username: 'cli' }, { action: 'signing-key.revoke', username: 'cli' }]);
  });

  it('`log verify` checks the survey returns\' chain too, and names the return that was rewritten (exit 3)', async () => {
    const key = await deviceKey();
    const returns = hub.api.get(SurveyReturnRepository);
    const stored = [];
    for (let i = 0; i < 3; i++) {
      const signed = await signedBy(faithfulReturn(sampleVillage(), randomUUID()), key);
      stored.push((await hub.api.get(UnitOfWork).run((tx) => returns.append(tx, {
        signed, townshipCode: '511325101', contentHash: returnContentHash(signed.return), signerIds: [users.inspector.id], receivedBy: users.inspector.id,
      }))).stored);
    }
    const intact = runCli(['log', 'verify'], env);
    expect(intact.status).toBe(0);
    expect(intact.stdout).toContain('survey returns intact: 3 signed return(s) on their chain verified');

    await hub.sql(`ALTER TABLE survey_return DISABLE TRIGGER survey_return_append_only`);
    await hub.sql(`UPDATE survey_return SET signed = jsonb_set(signed, '{return,villageCode}', '"511325101202"') WHERE chain_seq = 2`);
    await hub.sql(`ALTER TABLE survey_return ENABLE TRIGGER survey_return_append_only`);
    const broken = runCli(['log', 'verify', '--json'], env);
    expect(broken.status).toBe(3);
    expect(JSON.parse(broken.stdout).surveyReturns.breaks).toEqual([
      { chainSeq: '2', returnId: stored[1].returnId, reason: 'the stored signed return does not match its SHA-256' },
    ]);
  });
});
