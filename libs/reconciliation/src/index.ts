export * from './reconciliation.service';
export * from './reconciliation.module';
