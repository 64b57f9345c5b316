import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives working defaults on a developer machine', () => {
    const config = loadConfig({});
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

  it('never replays receipt times in production', () => {
    expect(loadConfig({ REPLAY_RECEIPT_TIMES: 'true' }).replayReceiptTimes).toBe(true);
    expect(() => loadConfig({ NODE_ENV: 'production', SECRETS_KEY: Buffer.alloc(32).toString('base64'), REPLAY_RECEIPT_TIMES: 'true' })).toThrow(/REPLAY_RECEIPT_TIMES: never in production/);
  });
});
