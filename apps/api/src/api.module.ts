import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { JwtModule } from '@nestjs/jwt';
import { hkdfSync } from 'node:crypto';
import { HubConfig, HubConfigModule } from '@sanxian/contracts';
import { IntakeModule } from '@sanxian/intake';
import { JobsModule } from '@sanxian/jobs';
import { PersistenceModule } from '@sanxian/persistence';
import { AssessmentModule } from '@sanxian/assessment';
import { DiscrepancyModule } from '@sanxian/discrepancy';
import { VerificationModule } from '@sanxian/verification';
import { SurveyReturnsModule } from '@sanxian/survey-returns';
import { AuthController } from './auth/auth.controller';
import { SignInService } from './auth/sign-in.service';
import { StaffAuthGuard } from './auth/staff-auth.guard';
import { ExchangeController } from './exchange.controller';
import { HealthController } from './health.controller';
import { MetricsController, MetricsTokenGuard } from './metrics.controller';
import { ProblemFilter } from './problem.filter';
import { DiscrepancyController } from './reconciliation/discrepancy.controller';
import { VerificationController } from './verification/verification.controller';
import { LinkReviewController } from './reconciliation/link-review.controller';
import { ReconciliationRunController } from './reconciliation/reconciliation-run.controller';
import { StaffRequestValidator } from './reconciliation/staff-request-validator';
import { AssessmentInputController } from './assessment/assessment-input.controller';
import { LedgerController } from './assessment/ledger.controller';
import { AssessmentRequestValidator } from './assessment/assessment-request-validator';
import { IndicatorController } from './assessment/indicator.controller';
import { PlanController } from './assessment/plan.controller';
import { ScoreboardController } from './assessment/scoreboard.controller';
import { ResponsibilityLetterController } from './assessment/responsibility-letter.controller';
import { MonitorController, StaffDirectoryController } from './monitor';
import { InspectionCampaignController } from './inspection/inspection-campaign.controller';
import { InspectionModule } from '@sanxian/inspection';
import { SigningKeyController } from './survey/signing-key.controller';
import { SurveyReturnController } from './survey/survey-return.controller';

@Module({})
export class ApiModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'sanxian-api', process: 'api' }),
        JobsModule,
        IntakeModule,
        AssessmentModule,
        DiscrepancyModule,
        InspectionModule,
        VerificationModule,
        SurveyReturnsModule,
        TerminusModule,
        JwtModule.register({
          // A key of its own, derived from the hub's key (SECRETS_KEY or its file), so tokens and stored secrets never share one.
          secret: Buffer.from(hkdfSync('sha256', config.secretsKey, Buffer.alloc(0), 'sanxian staff tokens', 32)),
          signOptions: { expiresIn: config.staffTokenTtlSeconds, algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      controllers: [AuthController, ExchangeController, HealthController, MetricsController, DiscrepancyController, VerificationController, LinkReviewController, ReconciliationRunController,
        PlanController, IndicatorController, ScoreboardController, AssessmentInputController, ResponsibilityLetterController, MonitorController, StaffDirectoryController,
        LedgerController, InspectionCampaignController,
        SigningKeyController, SurveyReturnController],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, StaffAuthGuard, SignInService, MetricsTokenGuard, StaffRequestValidator,
        AssessmentRequestValidator],
    };
  }
}
