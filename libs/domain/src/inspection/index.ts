export * from './survey-types';
export * from './rivest-sampler';
export * from './lottery';
export * from './sample-size';
