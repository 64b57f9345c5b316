export * from './reconciliation.service';
export * from './reconciliation.module';
export * from './linkage-candidates';
export * from './whole-registry-candidates';
export * from './blocked-linkage-candidates';
