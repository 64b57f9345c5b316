import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { HubConfig } from '@sanxian/contracts';
import { WorkerModule } from './worker.module';

export async function createWorker(config: HubConfig, options: { logs?: boolean } = {}): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true, abortOnError: false });
  if (options.logs !== false) app.useLogger(app.get(Logger));
  else app.useLogger(false);
  app.enableShutdownHooks();
  return app;
}
