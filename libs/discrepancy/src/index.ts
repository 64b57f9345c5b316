export * from './discrepancy-workflow.service';
export * from './link-review-workflow.service';
export * from './discrepancy.module';
