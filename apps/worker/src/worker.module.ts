import { DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { HUB_CONFIG, HubConfig, HubConfigModule } from '@sanxian/contracts';
import { IntakeModule } from '@sanxian/intake';
import { JobsModule, QueueName, redisOptions } from '@sanxian/jobs';
import { PersistenceModule } from '@sanxian/persistence';
import { IntakeProcessor } from './intake.processor';
import { RelayTimer } from './relay.timer';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconciliationModule } from '@sanxian/reconciliation';
import { AssessmentModule } from '@sanxian/assessment';
import { IndicatorsProcessor } from './indicators.processor';
import { CheckpointProcessor } from './checkpoint.processor';

@Module({})
export class WorkerModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'sanxian-worker', poolSize: config.workerConcurrency + 4 }),
        BullModule.forRootAsync({
          inject: [HUB_CONFIG],
          useFactory: (c: HubConfig) => ({ connection: redisOptions(c.redisUrl, 'worker'), prefix: c.queuePrefix }),
        }),
        BullModule.registerQueue({ name: QueueName.Intake }, { name: QueueName.Reconcile }, { name: QueueName.Indicators }, { name: QueueName.Checkpoint }),
        JobsModule,
        IntakeModule,
        ReconciliationModule,
        AssessmentModule,
      ],
      providers: [IntakeProcessor, RelayTimer, ReconcileProcessor, IndicatorsProcessor, CheckpointProcessor],
    };
  }
}
