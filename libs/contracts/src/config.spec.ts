import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, secretsKeyWarning } from './config';

describe('loadConfig', () => {
  const keyFile = () => join(mkdtempSync(join(tmpdir(), 'sanxian-key-')), 'nested', 'secrets.key');

  it('gives working defaults on a developer machine', () => {
    const config = loadConfig({ SECRETS_KEY_FILE: keyFile() });
    expect(config).toMatchObject({ port: 3000, birthGraceDays: 30, resolveWithinWorkingDays: 15, reconcileCron: '0 2 * * *', replayReceiptTimes: false });
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
});
