import { Module } from '@nestjs/common';
import { DiscrepancyWorkflow } from './discrepancy-workflow.service';
import { LinkReviewWorkflow } from './link-review-workflow.service';

/** Staff's work on discrepancies and the link reviews behind them (api); needs the global persistence and config modules. */
@Module({ providers: [DiscrepancyWorkflow, LinkReviewWorkflow], exports: [DiscrepancyWorkflow, LinkReviewWorkflow] })
export class DiscrepancyModule {}
