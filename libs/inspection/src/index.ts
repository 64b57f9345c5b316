export * from './inspection-campaigns.service';
export * from './inspection.module';
export * from './campaign-verification';
