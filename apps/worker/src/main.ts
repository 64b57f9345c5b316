import 'reflect-metadata';
import { ConfigError, loadConfig } from '@sanxian/contracts';
import { createWorker } from './worker.factory';

async function main(): Promise<void> {
  const config = loadConfig();
  await createWorker(config);
  console.log(`sanxian worker ready (queues under ${config.queuePrefix}, concurrency ${config.workerConcurrency})`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
