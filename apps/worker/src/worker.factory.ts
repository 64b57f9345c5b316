import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfig, hubLogger } from '@sanxian/contracts';
import { WorkerModule } from './worker.module';

export async function createWorker(config: HubConfig, options: { logs?: boolean } = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true, abortOnError: false });
  app.useLogger(options.logs !== false ? hubLogger(config.logLevel) : false);
  app.enableShutdownHooks();
  return app;
}
