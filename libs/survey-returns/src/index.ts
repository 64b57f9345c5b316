export * from './spot-check-campaigns.port';
export * from './signing-keys.service';
export * from './survey-returns.service';
export * from './survey-returns.module';
export * from './spot-check-results.service';
export * from './inspection-campaigns.adapter';
