import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { dataSourceOptions } from './data-source-options';
import { ClientRepository, SECRET_BOX } from './repositories/client.repository';
import { IntakeRepository } from './repositories/intake.repository';
import { MessageLogRepository } from './repositories/message-log.repository';
import { ReceiptRepository } from './repositories/receipt.repository';
import { RegistryRepository } from './repositories/registry.repository';
import { SecretBox } from './secret-box';

const REPOSITORIES = [ClientRepository, MessageLogRepository, IntakeRepository, ReceiptRepository, RegistryRepository];

@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: { applicationName: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (config: HubConfig) => ({
            ...dataSourceOptions(config.databaseUrl, options),
            // Start even when PostgreSQL is down: requests then answer 503 until it returns.
            retryAttempts: 0,
            manualInitialization: false,
          }),
        }),
      ],
      providers: [{ provide: SECRET_BOX, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new SecretBox(c.secretsKey) }, ...REPOSITORIES],
      exports: REPOSITORIES,
    };
  }
}
