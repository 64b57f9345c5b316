export * from './survey-types';
export * from './survey-completeness';
export * from './return-signing';
export * from './survey-comparison';
export * from './survey-indicators';
export * from './spot-check-scoring';
export * from './spot-check-findings';
