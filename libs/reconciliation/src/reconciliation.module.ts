import { Module } from '@nestjs/common';
import { ReconciliationService } from './reconciliation.service';
import { BlockedLinkageCandidates } from './blocked-linkage-candidates';

/** Reconciliation runs (worker, CLI); needs the global persistence and config modules. */
@Module({ providers: [ReconciliationService, BlockedLinkageCandidates], exports: [ReconciliationService, BlockedLinkageCandidates] })
export class ReconciliationModule {}
