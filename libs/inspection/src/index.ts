export * from './inspection-campaigns.service';
export * from './inspection.module';
