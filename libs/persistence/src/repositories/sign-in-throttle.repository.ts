import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { HUB_CONFIG, type HubConfig } from '@sanxian/contracts';

/** Seconds until sign-in is allowed again, or 0. */
export type RetryAfterSeconds = number;

interface Counter {
  limiter: RateLimiterPostgres;
  key: string;
  blockSeconds: number;
}

/**
 * Failed sign-ins, counted in PostgreSQL (table sign_in_throttle) so that every api process sees
 * the same counts: rate-limiter-flexible's login recipe, by username and address (consecutive
 * failures, reset by a success), by username alone (guessing one account from many addresses)
 * and by address alone (one address trying many accounts).
 */
@Injectable()
export class SignInThrottleRepository {
  private readonly byUserAndAddress: RateLimiterPostgres;
  private readonly byUser: RateLimiterPostgres;
  private readonly byAddress: RateLimiterPostgres;

  constructor(db: DataSource, @Inject(HUB_CONFIG) private readonly config: HubConfig) {
    const common = { storeClient: db, storeType: 'typeorm', tableName: 'sign_in_throttle', tableCreated: true, clearExpiredByTimeout: true };
    const limits = config.signIn;
    this.byUserAndAddress = new RateLimiterPostgres({ ...common, keyPrefix: 'user-address', points: limits.failuresPerUserAndAddress, duration: limits.blockSeconds });
    this.byUser = new RateLimiterPostgres({ ...common, keyPrefix: 'user', points: limits.failuresPerUser, duration: 3600 });
    this.byAddress = new RateLimiterPostgres({ ...common, keyPrefix: 'address', points: limits.failuresPerAddress, duration: 86_400 });
  }

  private counters(username: string, address: string): Counter[] {
    // Usernames are hashed into the keys: any text a caller sends fits the key column.
    const user = createHash('sha256').update(username).digest('base64url');
    const blockSeconds = this.config.signIn.blockSeconds;
    return [
      { limiter: this.byUserAndAddress, key: `${user}_${address}`, blockSeconds },
      { limiter: this.byUser, key: user, blockSeconds },
      { limiter: this.byAddress, key: address, blockSeconds: 86_400 },
    ];
  }

  /** How long this username and address must wait before trying again (0: they may try now). */
  async retryAfter(username: string, address: string): Promise<RetryAfterSeconds> {
    const counters = this.counters(username, address);
    const states = await Promise.all(counters.map(({ limiter, key }) => limiter.get(key)));
    let wait = 0;
    states.forEach((res, i) => {
      if (res && res.consumedPoints >= counters[i].limiter.points) wait = Math.max(wait, Math.ceil(res.msBeforeNext / 1000));
    });
    return wait;
  }

  /** Counts a failure; a counter that reaches its limit blocks its key. Returns the wait it causes (0: none yet). */
  async failed(username: string, address: string): Promise<RetryAfterSeconds> {
    let wait = 0;
    for (const { limiter, key, blockSeconds } of this.counters(username, address)) {
      let res: RateLimiterRes;
      try {
        res = await limiter.consume(key);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected;
        res = rejected;
      }
      if (res.consumedPoints >= limiter.points) {
        await limiter.block(key, blockSeconds);
        wait = Math.max(wait, blockSeconds);
      }
    }
    return wait;
  }

  /** A success ends the run of consecutive failures of this username from this address. */
  async succeeded(username: string, address: string): Promise<void> {
    const [userAndAddress] = this.counters(username, address);
    await userAndAddress.limiter.delete(userAndAddress.key);
  }
}
