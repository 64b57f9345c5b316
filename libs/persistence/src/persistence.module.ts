import { DynamicModule, Global, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { HUB_CONFIG, HubConfig } from '@sanxian/contracts';
import { dataSourceOptions } from './data-source-options';
import { ClientRepository, SECRET_BOX } from './repositories/client.repository';
import { IntakeRepository } from './repositories/intake.repository';
import { MessageLogRepository } from './repositories/message-log.repository';
import { ReceiptRepository } from './repositories/receipt.repository';
import { RegistryRepository } from './repositories/registry.repository';
import { StaffRepository } from './repositories/staff.repository';
import { ReconciliationRepository } from './repositories/reconciliation.repository';
import { ReconciliationPartsRepository } from './repositories/reconciliation-parts.repository';
import { IndicatorRepository } from './repositories/indicator.repository';
import { AssessmentRepository } from './repositories/assessment.repository';
import { LedgerRepository } from './repositories/ledger.repository';
import { DiscrepancyRepository } from './repositories/discrepancy.repository';
import { LinkReviewRepository } from './repositories/link-review.repository';
import { MonitorRepository } from './repositories/monitor.repository';
import { SignInThrottleRepository } from './repositories/sign-in-throttle.repository';
import { InspectionRepository } from './repositories/inspection.repository';
import { VerificationRepository } from './repositories/verification.repository';
import { BulkLoadRepository } from './repositories/bulk-load.repository';
import { KeyRotationRepository } from './repositories/key-rotation.repository';
import { ResponsibilityLetterRepository } from './repositories/responsibility-letter.repository';
import { SurveyReturnRepository } from './repositories/survey-return.repository';
import { LinkageBlockRepository } from './repositories/linkage-block.repository';
import { LogPartitionRepository } from './repositories/log-partition.repository';
import { SecretBox } from './secret-box';
import { PersonalDataCipher } from './personal-data-cipher';
import { UnitOfWork } from './unit-of-work';

const REPOSITORIES = [
  ClientRepository,
  MessageLogRepository,
  IntakeRepository,
  ReceiptRepository,
  RegistryRepository,
  StaffRepository,
  ReconciliationRepository,
  ReconciliationPartsRepository,
  IndicatorRepository,
  AssessmentRepository,
  LedgerRepository,
  DiscrepancyRepository,
  LinkReviewRepository,
  MonitorRepository,
  SignInThrottleRepository,
  InspectionRepository,
  VerificationRepository,
  BulkLoadRepository,
  KeyRotationRepository,
  ResponsibilityLetterRepository,
  SurveyReturnRepository,
  LinkageBlockRepository,
  LogPartitionRepository,
  UnitOfWork,
];

const logger = new Logger('Database');
/** Data sources whose app has shut down: their background connection attempts stop. */
const abandoned = new WeakSet<DataSource>();

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
    setTimeout(async () => {
      if (abandoned.has(dataSource)) return;
      if (await attempt()) logger.log('connected to PostgreSQL');
      else retryLater();
    }, 2000).unref();
  };
  if (!(await attempt())) retryLater();
  return dataSource;
}

/** The hub's processes, each with a statement timeout of its own. */
export type DatabaseProcess = 'api' | 'worker' | 'cli';

export function statementTimeoutOf(config: HubConfig, process: DatabaseProcess | undefined): number | undefined {
  if (process === 'api') return config.databaseStatementTimeoutMs;
  if (process === 'worker') return config.workerStatementTimeoutMs;
  if (process === 'cli') return config.cliStatementTimeoutMs;
  return undefined;
}

@Global()
@Module({})
export class PersistenceModule implements OnApplicationShutdown {
  constructor(private readonly dataSource: DataSource) {}

  onApplicationShutdown(): void {
    abandoned.add(this.dataSource);
  }

  /**
   * `process`: whose statement timeout bounds every statement — the api's (DATABASE_STATEMENT_TIMEOUT_MS, its
   * clients wait), the worker's (WORKER_STATEMENT_TIMEOUT_MS, long reconciliations) or a command's
   * (CLI_STATEMENT_TIMEOUT_MS). Unset (test contexts): only the driver's generous limit.
   */
  static forRoot(options: { applicationName: string; poolSize?: number; process?: DatabaseProcess }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (config: HubConfig) => ({
            ...dataSourceOptions(config.databaseUrl, { ...options, statementTimeoutMs: statementTimeoutOf(config, options.process) }),
            manualInitialization: true,
          }),
          dataSourceFactory: async (dataSourceOptions?: DataSourceOptions) => connectOrKeepTrying(new DataSource(dataSourceOptions!)),
        }),
      ],
      providers: [
        { provide: SECRET_BOX, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new SecretBox(c.secretsKey) },
        { provide: PersonalDataCipher, inject: [HUB_CONFIG], useFactory: (c: HubConfig) => new PersonalDataCipher(c.secretsKey) },
        ...REPOSITORIES,
      ],
      // The secret box too: the inspection use-cases seal a campaign's seed with it.
      exports: [SECRET_BOX, ...REPOSITORIES],
    };
  }
}
