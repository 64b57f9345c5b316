import { DynamicModule, Module } from '@nestjs/common';
import { HubConfig, HubConfigModule } from '@sanxian/contracts';
import { JobsModule } from '@sanxian/jobs';
import { PersistenceModule } from '@sanxian/persistence';
import { ReconciliationModule } from '@sanxian/reconciliation';
import { AssessmentModule } from '@sanxian/assessment';
import { InspectionModule } from '@sanxian/inspection';
import { SurveyReturnsModule } from '@sanxian/survey-returns';

/** What the CLI's commands need: the repositories and the job producer, no HTTP, no workers. */
@Module({})
export class CliModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [HubConfigModule.forRoot(config), PersistenceModule.forRoot({ applicationName: 'sanxian-cli', poolSize: 4, process: 'cli' }), JobsModule, ReconciliationModule, AssessmentModule, InspectionModule, SurveyReturnsModule],
    };
  }
}
