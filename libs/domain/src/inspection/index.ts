export * from './survey-types';
export * from './rivest-sampler';
export * from './lottery';
export * from './sample-size';
export * from './sampling-frame';
export * from './campaign';
export * from './lottery-verification';
