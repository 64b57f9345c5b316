import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfig, loadConfig, secretsKeyWarning } from '@sanxian/contracts';
import { CliModule } from './cli.module';

/** The configuration a command runs with (the process's environment unless `env` is given). */
export function commandConfig(env?: Record<string, string | undefined>): HubConfig {
  const config = loadConfig(env);
  // Said once, when the key is made (or can be read by others), not on every command.
  if (config.secretsKeyFile?.created || config.secretsKeyFile?.exposed) console.error(secretsKeyWarning(config));
  return config;
}

/** Runs one command with the hub's repositories, then closes every connection so the process can exit. */
export async function withHub<T>(work: (get: <S>(type: Type<S>) => S, config: HubConfig) => Promise<T>, env?: Record<string, string | undefined>): Promise<T> {
  const config = commandConfig(env);
  const app: INestApplicationContext = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'], abortOnError: false });
  try {
    return await work((type) => app.get(type), config);
  } finally {
    await app.close();
  }
}
