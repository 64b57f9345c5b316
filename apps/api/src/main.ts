import 'reflect-metadata';
import { ConfigError, loadConfig, secretsKeyWarning } from '@sanxian/contracts';
import { Logger } from 'nestjs-pino';
import { createApiApp } from './api.factory';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  const warning = secretsKeyWarning(config);
  if (warning) app.get(Logger).warn(warning);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  // The line that `npm start` and the tests wait for.
  console.log(`sanxian api ready on http://localhost:${config.port} (OpenAPI at /docs)`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
