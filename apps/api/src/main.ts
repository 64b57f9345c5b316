import 'reflect-metadata';
import { ConfigError, loadConfig, secretsKeyWarning } from '@sanxian/contracts';
import { Logger } from '@nestjs/common';
import { createApiApp } from './api.factory';
import { listenForMetrics } from './metrics.controller';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  const warning = secretsKeyWarning(config);
  if (warning) new Logger('Api').warn(warning);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  if (config.metricsPort !== undefined) {
    const server = await listenForMetrics(app, config.metricsPort, config.metricsHost);
    new Logger('Api').log(`metrics on http://${config.metricsHost}:${(server.address() as { port: number }).port}/metrics`);
  }
  // The line that `npm start` and the tests wait for.
  console.log(`sanxian api ready on http://localhost:${config.port} (OpenAPI at /docs)`);
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
