import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, secretsKeyWarning } from './config';

describe('loadConfig', () => {
  const keyFile = () => join(mkdtempSync(join(tmpdir(), 'sanxian-key-')), 'nested', 'secrets.key');

  it('gives working defaults on a developer machine', () => {
    const config = loadConfig({ SECRETS_KEY_FILE: keyFile() });
    expect(config).toMatchObject({ port: 3000, birthGraceDays: 30, resolveWithinWorkingDays: 15, verificationDueDays: { withinCounty: 15, crossCounty: 30 }, reconcileCron: '0 2 * * *', replayReceiptTimes: false });
  });

  it('lists every bad variable at once, by name', () => {
    expect(() => loadConfig({ PORT: 'x', BIRTH_GRACE_DAYS: '-1', COUNTY_CODE: '5113' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'x', BIRTH_GRACE_DAYS: '-1', COUNTY_CODE: '5113' });
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.split('=')[0]).sort();
      expect(names).toEqual(['BIRTH_GRACE_DAYS', 'COUNTY_CODE', 'PORT']);
    }
  });

  it('makes a random key at first start, keeps it (mode 0600) and reads the same one afterwards', () => {
    const path = keyFile();
    const first = loadConfig({ SECRETS_KEY_FILE: path });
    expect(first.secretsKeyFile).toEqual({ path, created: true, exposed: false });
    expect(first.secretsKey).toHaveLength(32);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(secretsKeyWarning(first)).toContain(path);
    const again = loadConfig({ SECRETS_KEY_FILE: path });
    expect(again.secretsKeyFile?.created).toBe(false);
    expect(again.secretsKey.equals(first.secretsKey)).toBe(true);
    // Another installation gets another key: none is derivable from the source.
    expect(loadConfig({ SECRETS_KEY_FILE: keyFile() }).secretsKey.equals(first.secretsKey)).toBe(false);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.secretsKey.toString('base64'));
  });

  it('takes SECRETS_KEY as given, without a file, and requires it in production', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({ SECRETS_KEY: key, SECRETS_KEY_FILE: '/nonexistent/never-written' });
    expect(config.secretsKey.toString('base64')).toBe(key);
    expect(config.secretsKeyFile).toBeUndefined();
    expect(secretsKeyWarning(config)).toBeUndefined();
    expect(() => loadConfig({ NODE_ENV: 'production', SECRETS_KEY_FILE: keyFile() })).toThrow(/SECRETS_KEY: required in production/);
  });

  it('never replays receipt times in production', () => {
    expect(loadConfig({ REPLAY_RECEIPT_TIMES: 'true', SECRETS_KEY_FILE: keyFile() }).replayReceiptTimes).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'production', SECRETS_KEY: Buffer.alloc(32).toString('base64'), REPLAY_RECEIPT_TIMES: 'true' })).toThrow(/REPLAY_RECEIPT_TIMES: never in production/);
  });

  it('keeps checkpoints per database, with the public key beside the signing key, unless told otherwise', () => {
    const defaults = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sanxian_demo' }).checkpoints;
    expect(defaults).toEqual({
      file: join(process.cwd(), 'checkpoints', 'sanxian_demo.checkpoints.jsonl'),
      keyFile: join(process.cwd(), 'checkpoints', 'signing-key.pem'),
      publicKeyFile: join(process.cwd(), 'checkpoints', 'signing-key.pem.pub'),
      intervalMinutes: 60,
      witnessUrl: undefined,
      tsaUrl: undefined,
    });
    const set = loadConfig({ CHECKPOINT_FILE: '/srv/cp.jsonl', CHECKPOINT_KEY_FILE: '/keys/k.pem', CHECKPOINT_PUBLIC_KEY_FILE: '/pub/k.pub', CHECKPOINT_INTERVAL: '0', CHECKPOINT_WITNESS_URL: 'http://127.0.0.1:9/w' }).checkpoints;
    expect(set).toEqual({ file: '/srv/cp.jsonl', keyFile: '/keys/k.pem', publicKeyFile: '/pub/k.pub', intervalMinutes: 0, witnessUrl: 'http://127.0.0.1:9/w', tsaUrl: undefined });
    expect(() => loadConfig({ CHECKPOINT_INTERVAL: '-5', CHECKPOINT_WITNESS_URL: 'ftp://x' })).toThrow(/CHECKPOINT_INTERVAL[\s\S]*CHECKPOINT_WITNESS_URL|CHECKPOINT_WITNESS_URL[\s\S]*CHECKPOINT_INTERVAL/);
  });
});
