import type { RedisOptions } from 'bullmq';

/**
 * ioredis options from a redis:// URL.
 * Workers block on Redis and need `maxRetriesPerRequest: null`; producers instead fail fast
 * (no offline queue) so that the api answers at once when Redis is down and the outbox relay
 * delivers later.
 */
export function redisOptions(url: string, role: 'worker' | 'producer'): RedisOptions {
  const u = new URL(url);
  const options: RedisOptions = {
    host: u.hostname,
    port: u.port ? Number(u.port) : 6379,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    // Keep retrying to reconnect, but never more than 2 s apart.
    retryStrategy: (times: number) => Math.min(times * 200, 2000),
  };
  if (role === 'producer') {
    options.enableOfflineQueue = false;
    options.maxRetriesPerRequest = 1;
    options.connectTimeout = 2000;
  }
  return options;
}
