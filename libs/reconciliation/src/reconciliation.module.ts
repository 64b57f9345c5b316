import { Module } from '@nestjs/common';
import { LinkageCandidates } from './linkage-candidates';
import { ReconciliationService } from './reconciliation.service';
import { WholeRegistryCandidates } from './whole-registry-candidates';

/** Reconciliation runs (worker, CLI); needs the global persistence and config modules. */
@Module({
  providers: [ReconciliationService, { provide: LinkageCandidates, useClass: WholeRegistryCandidates }],
  exports: [ReconciliationService, LinkageCandidates],
})
export class ReconciliationModule {}
