import { Module } from '@nestjs/common';
import { DiscrepancyWorkflow } from './discrepancy-workflow.service';

/** Staff's work on discrepancies (api); needs the global persistence and config modules. */
@Module({ providers: [DiscrepancyWorkflow], exports: [DiscrepancyWorkflow] })
export class DiscrepancyModule {}
