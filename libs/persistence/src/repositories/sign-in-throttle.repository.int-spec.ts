import { SignInThrottleRepository } from '@sanxian/persistence';
import { persistenceSuite } from '../../../../test/support/persistence-context';

describe('SignInThrottleRepository (failed sign-ins counted in PostgreSQL)', () => {
  const ctx = persistenceSuite({
    env: { SIGN_IN_FAILURES_PER_USER_AND_ADDRESS: '3', SIGN_IN_FAILURES_PER_USER: '5', SIGN_IN_FAILURES_PER_ADDRESS: '8', SIGN_IN_BLOCK_SECONDS: '600' },
  });
  let throttle: SignInThrottleRepository;

  beforeAll(async () => {
    throttle = ctx.get(SignInThrottleRepository);
  });

  it('blocks a username from an address after its consecutive failures, for the configured time', async () => {
    expect(await throttle.retryAfter('alice', '10.0.0.1')).toBe(0);
    expect(await throttle.failed('alice', '10.0.0.1')).toBe(0);
    expect(await throttle.failed('alice', '10.0.0.1')).toBe(0);
    expect(await throttle.retryAfter('alice', '10.0.0.1')).toBe(0);
    expect(await throttle.failed('alice', '10.0.0.1')).toBe(600);
    const wait = await throttle.retryAfter('alice', '10.0.0.1');
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(600);
    // Another address may still try the username (until the username's own limit).
    expect(await throttle.retryAfter('alice', '10.0.0.2')).toBe(0);
  });

  it('a success ends the run of consecutive failures of that username from that address', async () => {
    await throttle.failed('bob', '10.0.1.1');
    await throttle.failed('bob', '10.0.1.1');
    await throttle.succeeded('bob', '10.0.1.1');
    expect(await throttle.failed('bob', '10.0.1.1')).toBe(0);
    expect(await throttle.failed('bob', '10.0.1.1')).toBe(0);
    expect(await throttle.retryAfter('bob', '10.0.1.1')).toBe(0);
  });

  it('blocks a username guessed from many addresses, and an address trying many usernames', async () => {
    for (let i = 0; i < 4; i++) await throttle.failed('carol', `10.0.2.${i}`);
    expect(await throttle.retryAfter('carol', '10.0.2.99')).toBe(0);
    expect(await throttle.failed('carol', '10.0.2.5')).toBe(600);
    const userWait = await throttle.retryAfter('carol', '10.0.2.100');
    expect(userWait).toBeGreaterThan(0);
    expect(userWait).toBeLessThanOrEqual(600);

    for (let i = 0; i < 7; i++) await throttle.failed(`user-${i}`, '10.0.3.1');
    expect(await throttle.retryAfter('someone-else', '10.0.3.1')).toBe(0);
    expect(await throttle.failed('user-7', '10.0.3.1')).toBe(86_400);
    // Blocked for the address's day, not the user's 600 s.
    expect(await throttle.retryAfter('someone-else', '10.0.3.1')).toBeGreaterThan(600);
  });

  it('keys any text a caller sends as a username, hashed', async () => {
    const long = '用户'.repeat(2000) + '\u0000';
    expect(await throttle.failed(long, '10.0.4.1')).toBe(0);
    const keys = await ctx.sql<{ key: string }>(`SELECT key FROM sign_in_throttle WHERE key LIKE 'user:%' OR key LIKE 'user-address:%'`);
    expect(keys.every((k) => k.key.length < 120)).toBe(true);
  });
});
