export * from './discrepancy-workflow.service';
export * from './discrepancy.module';
