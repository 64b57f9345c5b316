import { DynamicModule, Module, Type } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { HUB_CONFIG, HubConfig, HubConfigModule } from '@sanxian/contracts';
import { IntakeModule } from '@sanxian/intake';
import { JobsModule, QueueName, assertEveryJobHasOneHandler, redisOptions } from '@sanxian/jobs';
import { PersistenceModule } from '@sanxian/persistence';
import { IntakeProcessor } from './intake.processor';
import { RelayTimer } from './relay.timer';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconcilePartsProcessor } from './reconcile-parts.processor';
import { ReconciliationModule } from '@sanxian/reconciliation';
import { AssessmentModule } from '@sanxian/assessment';
import { IndicatorsProcessor } from './indicators.processor';
import { CheckpointProcessor } from './checkpoint.processor';
import { HousekeepingProcessor } from './housekeeping.processor';

/** The worker's job processors: each job of the registry (libs/jobs/src/job-registry.ts) is handled by exactly one. */
export const WORKER_PROCESSORS: Type<unknown>[] = [IntakeProcessor, ReconcileProcessor, ReconcilePartsProcessor, IndicatorsProcessor, CheckpointProcessor, HousekeepingProcessor];

@Module({})
export class WorkerModule {
  static forRoot(config: HubConfig, processors = WORKER_PROCESSORS): DynamicModule {
    // Before anything connects: a job without a handler, or with two, stops the start.
    assertEveryJobHasOneHandler(processors);
    return {
      module: WorkerModule,
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'sanxian-worker', poolSize: config.workerConcurrency + 4, process: 'worker' }),
        BullModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (c: HubConfig) => ({ connection: redisOptions(c.redisUrl, 'worker'), prefix: c.queuePrefix }),
        }),
        BullModule.registerQueue({ name: QueueName.Intake }, { name: QueueName.Reconcile }, { name: QueueName.ReconcileParts }, { name: QueueName.Indicators }, { name: QueueName.Checkpoint }, { name: QueueName.Housekeeping }),
        JobsModule,
        IntakeModule,
        ReconciliationModule,
        AssessmentModule,
      ],
      providers: [...processors, RelayTimer],
    };
  }
}
