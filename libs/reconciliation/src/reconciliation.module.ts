import { Module } from '@nestjs/common';
import { ReconciliationService } from './reconciliation.service';

/** Reconciliation runs (worker, CLI); needs the global persistence and config modules. */
@Module({ providers: [ReconciliationService], exports: [ReconciliationService] })
export class ReconciliationModule {}
