import { DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { dataSourceOptions } from './data-source-options';
import { ClientRepository, SECRET_BOX } from './repositories/client.repository';
import { IntakeRepository } from './repositories/intake.repository';
import { MessageLogRepository } from './repositories/message-log.repository';
import { ReceiptRepository } from './repositories/receipt.repository';
import { RegistryRepository } from './repositories/registry.repository';
import { SecretBox } from './secret-box';

const REPOSITORIES = [ClientRepository, MessageLogRepository, IntakeRepository, ReceiptRepository, RegistryRepository];

const logger = new Logger('Database');

/**
 * Start even when PostgreSQL is down: the apps come up (requests answer 503, readiness says why)
 * and keep trying to connect in the background until it returns.
 */
async function connectOrKeepTrying(dataSource: DataSource): Promise<DataSource> {
  const attempt = async (): Promise<boolean> => {
    try {
      await dataSource.initialize();
      return true;
    } catch (error) {
      logger.warn(`cannot reach PostgreSQL (${(error as Error).message}); retrying every 2 s`);
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      return false;
    }
  };
  const retryLater = (): void => {
    setTimeout(async () => ((await attempt()) ? logger.log('connected to PostgreSQL') : retryLater()), 2000).unref();
  };
  if (!(await attempt())) retryLater();
  return dataSource;
}

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: { applicationName: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (config: HubConfig) => ({ ...dataSourceOptions(config.databaseUrl, options), manualInitialization: true }),
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => connectOrKeepTrying(new DataSource(dataSourceOptions!)),
        }),
      ],
      providers: [{ provide: SECRET_BOX, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new SecretBox(c.secretsKey) }, ...REPOSITORIES],
      exports: REPOSITORIES,
    };
  }
}
