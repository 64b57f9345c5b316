import { randomUUID } from 'node:crypto';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { JwtModule } from '@nestjs/jwt';
import { hkdfSync } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { HubConfig, HubConfigModule } from '@sanxian/contracts';
import { ExchangeModule } from '@sanxian/exchange';
import { JobsModule } from '@sanxian/jobs';
import { PersistenceModule } from '@sanxian/persistence';
import { AssessmentModule } from '@sanxian/assessment';
import { AuthController } from './auth/auth.controller';
import { StaffAuthGuard } from './auth/staff-auth.guard';
import { ExchangeController } from './exchange.controller';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { ProblemFilter } from './problem.filter';
import { DiscrepancyController } from './reconciliation/discrepancy.controller';
import { LinkReviewController } from './reconciliation/link-review.controller';
import { ReconciliationRunController } from './reconciliation/reconciliation-run.controller';
import { StaffRequestValidator } from './reconciliation/staff-request-validator';
import { AssessmentInputController } from './assessment/assessment-input.controller';
import { AssessmentRequestValidator } from './assessment/assessment-request-validator';
import { IndicatorController } from './assessment/indicator.controller';
import { PlanController } from './assessment/plan.controller';
import { ScoreboardController } from './assessment/scoreboard.controller';
import { ScoreboardQueries } from './assessment/scoreboard.service';
import { MonitorController, StaffDirectoryController } from './monitor';

@Module({})
export class ApiModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        HubConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            // A caller's X-Request-Id is kept so one request can be followed across systems.
            genReqId: (req, res) => {
              const given = req.headers['x-request-id'];
              const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
              res.setHeader('x-request-id', id);
              return id;
            },
            autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
            redact: ['req.headers["x-hub-signature"]'],
          },
        }),
        PersistenceModule.forRoot({ applicationName: 'sanxian-api', boundStatements: true }),
        JobsModule,
        ExchangeModule,
        AssessmentModule,
        TerminusModule,
        JwtModule.register({
          // A key of its own, derived from SECRETS_KEY, so tokens and stored secrets never share one.
          secret: Buffer.from(hkdfSync('sha256', config.secretsKey, Buffer.alloc(0), 'sanxian staff tokens', 32)),
          signOptions: { expiresIn: config.staffTokenTtlSeconds, algorithm: 'HS256' },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      controllers: [AuthController, ExchangeController, HealthController, MetricsController, DiscrepancyController, LinkReviewController, ReconciliationRunController,
        PlanController, IndicatorController, ScoreboardController, AssessmentInputController, MonitorController, StaffDirectoryController],
      providers: [{ provide: APP_FILTER, useClass: ProblemFilter }, StaffAuthGuard, StaffRequestValidator,
        AssessmentRequestValidator, ScoreboardQueries],
    };
  }
}
