import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { IntakePreparer } from '@sanxian/intake';
import { JobProducer } from '@sanxian/jobs';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly jobs: JobProducer,
    private readonly intake: IntakePreparer,
  ) {}

  /** The process is up (for restarts). */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** PostgreSQL and Redis both answer, and intake makes progress (for load balancers). */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const redis = this.indicators.check('redis');
        try {
          await this.jobs.ping();
          return redis.up();
        } catch (error) {
          return redis.down({ message: (error as Error).message });
        }
      },
      () => {
        const intake = this.indicators.check('intake');
        const progress = this.intake.progress();
        return progress.ok ? intake.up({ inFlight: progress.inFlight }) : intake.down({ message: progress.message, inFlight: progress.inFlight, stalledMs: progress.stalledMs });
      },
    ]);
  }
}
