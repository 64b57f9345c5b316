import 'reflect-metadata';
import { existsSync, readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { ConfigError, loadConfig, secretsKeyWarning } from '@sanxian/contracts';
import { createWorker } from './worker.factory';

/**
 * Lowers this process's CPU priority to `nice` (never raises it: that needs privileges). Processing is
 * asynchronous by contract, so on a shared machine it should use only what acknowledging records and
 * answering staff leave; it catches up once a burst is over. On Linux a priority belongs to a thread, and
 * V8's and libuv's threads exist already, so each is lowered; threads started later inherit it.
 */
export function yieldCpu(nice: number): number {
  const threads = existsSync('/proc/self/task') ? readdirSync('/proc/self/task').map(Number) : [0];
  for (const thread of threads) {
    try {
      if (getPriority(thread) < nice) setPriority(thread, nice);
    } catch {
      // a thread that ended meanwhile
    }
  }
  return getPriority();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const nice = yieldCpu(config.workerNice);
  const warning = secretsKeyWarning(config);
  if (warning) console.warn(warning);
  await createWorker(config);
  console.log(`sanxian worker ready (queues under ${config.queuePrefix}, concurrency ${config.workerConcurrency}, nice ${nice})`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
