import { Module } from '@nestjs/common';
import { RecordValidator } from '@sanxian/contracts';
import { BulkLoadService } from './bulk-load.service';
import { ClientAuthService } from './client-auth.service';
import { ExchangeMetrics } from './exchange-metrics';
import { IntakePreparer } from './intake-preparer';
import { IntakeService } from './intake.service';
import { ProcessingService } from './processing.service';
import { RelayService } from './relay.service';

/** The hub's intake and processing use-cases; the api and the worker import it and wire them to HTTP and queues. */
@Module({
  providers: [
    { provide: RecordValidator, useFactory: () => RecordValidator.create() },
    BulkLoadService,
    ClientAuthService,
    ExchangeMetrics,
    IntakePreparer,
    IntakeService,
    ProcessingService,
    RelayService,
  ],
  exports: [BulkLoadService, IntakeService, IntakePreparer, ProcessingService, RelayService, ExchangeMetrics, ClientAuthService],
})
export class IntakeModule {}
