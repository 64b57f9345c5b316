import { Module } from '@nestjs/common';
import { BlockedLinkageCandidates } from './blocked-linkage-candidates';
import { LinkageCandidates } from './linkage-candidates';
import { ReconciliationService } from './reconciliation.service';

/**
 * Reconciliation runs (worker, CLI); needs the global persistence and config modules. Linkage
 * finds its candidates in the blocks kept in PostgreSQL (WholeRegistryCandidates is the
 * reference they are tested against).
 */
@Module({
  providers: [ReconciliationService, BlockedLinkageCandidates, { provide: LinkageCandidates, useExisting: BlockedLinkageCandidates }],
  exports: [ReconciliationService, LinkageCandidates, BlockedLinkageCandidates],
})
export class ReconciliationModule {}
